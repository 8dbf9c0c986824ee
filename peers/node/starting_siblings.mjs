/**
 * Messages to siblings that start with the cluster and do not listen yet
 * (the bootstrap's `starting`, README "Protocol", Bootstrap): each is held
 * while the manager is asked about that sibling (`$sync` with `for`,
 * answered once it joined and listens), then sent, in order, ahead of
 * anything sent it later; sooner, if something more is sent to it and it
 * can be reached by then (it listens, or it dialed this process). Once
 * anything said a sibling started (an `$event` about it, that answer, a
 * connection to it that closed, the answer that the cluster's start is
 * over), nothing is held for it so again. What is held and cannot go is
 * reported lost, naming the actions and the sibling.
 *
 * @module
 */

import { framedBytes, HeldDrainWaiters, sendInOrder } from "./held_messages.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/**
 * @typedef {object} SiblingHoldOptions
 * @property {(sibling: Address, answered: () => void) => void} ask Asks the
 * manager about `sibling`; `answered` once it says (or cannot).
 * @property {(sibling: Address) => boolean} reachable Whether `sibling`
 * can be sent to now: it listens, or it dialed this process.
 * @property {(sibling: Address, payload: Uint8Array) => boolean} send
 * Hands a payload to the connection; whether it could.
 * @property {(error: Error) => void} report Where a loss is told (`onError`).
 */

/** Messages held for siblings that start with the cluster. */
export class StartingSiblings {
  /** @type {Set<Address>} The siblings that may still be starting, as this process knows. */
  #starting;
  /** @type {Map<Address, import("./held_messages.mjs").Held>} */
  #held = new Map();
  #drainWaiters = new HeldDrainWaiters();
  #options;

  /**
   * @param {Address[]} starting The bootstrap's `starting`.
   * @param {SiblingHoldOptions} options
   */
  constructor(starting, options) {
    this.#starting = new Set(starting);
    this.#options = options;
  }

  /**
   * Whether `sibling` may still be starting with the cluster.
   *
   * @param {Address} sibling
   * @returns {boolean}
   */
  mayBeStarting(sibling) {
    return this.#starting.has(sibling);
  }

  /**
   * Holds `payload` for `sibling` if it may be starting and cannot be
   * reached, or messages are held for it already (it goes behind them).
   *
   * @param {Address} sibling
   * @param {Uint8Array} payload
   * @param {string} action
   * @returns {boolean} Whether it is held; else the caller sends it now.
   */
  hold(sibling, payload, action) {
    const held = this.#held.get(sibling);
    if (held === undefined && !this.#starting.has(sibling)) return false;
    if (this.#options.reachable(sibling)) {
      this.#release(sibling);
      return false;
    }
    if (held) {
      held.payloads.push(payload);
      held.actions.push(action);
      held.bytes += framedBytes([payload]);
      return true;
    }
    this.#held.set(sibling, {
      payloads: [payload],
      actions: [action],
      bytes: framedBytes([payload]),
    });
    this.#options.ask(sibling, () => this.started(sibling));
    return true;
  }

  /**
   * Resolves once at most `limit` bytes are held for each of `siblings`
   * (default: every sibling something is held for).
   *
   * @param {number} limit
   * @param {Address[]} [siblings]
   * @returns {Promise<void>}
   */
  drained(limit, siblings = [...this.#held.keys()]) {
    return this.#drainWaiters.wait(siblings, limit, (sibling) => this.bytes(sibling));
  }

  /**
   * The bytes held for `sibling`, as frames: they count against `maxQueuedBytes`.
   *
   * @param {Address} sibling
   * @returns {number}
   */
  bytes(sibling) {
    return this.#held.get(sibling)?.bytes ?? 0;
  }

  /**
   * Before anything else goes to `sibling`: what is held for it goes
   * first, if it can be reached now.
   *
   * @param {Address} sibling
   */
  sendHeld(sibling) {
    if (this.#held.has(sibling) && this.#options.reachable(sibling)) this.#release(sibling);
  }

  /**
   * Something said `sibling` started: what is held for it goes now, and
   * nothing is held for it as starting from now on.
   *
   * @param {Address} sibling
   */
  started(sibling) {
    this.#starting.delete(sibling);
    this.#release(sibling);
  }

  /** The cluster's start is over: every sibling that started with this process started. */
  allStarted() {
    this.#starting.clear();
  }

  /** This process closes: what is held goes, if it can; the rest is reported lost. */
  close() {
    for (const sibling of [...this.#held.keys()]) this.started(sibling);
  }

  #release(sibling) {
    const held = this.#held.get(sibling);
    if (held === undefined) return;
    this.#held.delete(sibling);
    this.#drainWaiters.emptied(sibling);
    sendInOrder(sibling, held, this.#options);
  }
}
