/**
 * Messages to a sibling being replaced, held for its next process (README
 * "Waiting for a replacement"): once the old process said it is leaving,
 * or while none listens, a message to it waits in the sender, in order
 * with those sent it after, and goes once the next process is ready and
 * every link to the old one closed (sent on such a link, it would reach
 * the old process as it closes). If none comes (given up, not restarted,
 * its host left, the cluster stops, this process closes), what waited is
 * reported lost, naming the actions and the sibling.
 *
 * @module
 */

import { framedBytes, HeldDrainWaiters, lostError, sendInOrder } from "./held_messages.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/**
 * @typedef {import("./held_messages.mjs").HeldOptions & {
 *   gones: (sibling: Address) => number,
 *   linked: (sibling: Address) => boolean,
 * }} NextProcessOptions `gones`: how many times the sibling's links
 * closed; `linked`: whether this process has a link of its own to it.
 */

/**
 * For a sibling messages wait for: how many times its links had closed
 * when the wait began, if one was open (they go once that link closed
 * too), and whether its next process is ready; `asking` while the manager
 * is asked about one whose dial closed unwelcomed.
 *
 * @typedef {import("./held_messages.mjs").Held & { gonesAt: number | undefined, ready: boolean, asking?: boolean }} Waiting
 */

/** Messages held for siblings' next processes. */
export class NextProcessHolds {
  /** @type {Map<Address, Waiting>} */
  #held = new Map();
  #drainWaiters = new HeldDrainWaiters();
  #options;

  /** @param {NextProcessOptions} options */
  constructor(options) {
    this.#options = options;
  }

  /**
   * Whether messages wait for `sibling`'s next process: every new one waits behind them.
   *
   * @param {Address} sibling
   * @returns {boolean}
   */
  holds(sibling) {
    return this.#held.has(sibling);
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
   * Holds `payload` for `sibling`'s next process; the first one held notes
   * whether a link to the old process is open, to wait for its close too.
   *
   * @param {Address} sibling
   * @param {Uint8Array} payload
   * @param {string} action
   */
  hold(sibling, payload, action) {
    let held = this.#held.get(sibling);
    if (held === undefined) {
      const { gones, linked } = this.#options;
      const gonesAt = linked(sibling) ? gones(sibling) : undefined;
      held = { payloads: [], actions: [], bytes: 0, gonesAt, ready: false };
      this.#held.set(sibling, held);
    }
    held.payloads.push(payload);
    held.actions.push(action);
    held.bytes += framedBytes([payload]);
  }

  /**
   * Holds messages for `sibling`'s next process ahead of any held so far:
   * those a dial to it never carried (it closed before its `$welcome`),
   * while the manager is asked about it (see {@linkcode answered}).
   *
   * @param {Address} sibling
   * @param {{ payload: Uint8Array, action: string }[]} messages In the order sent.
   */
  holdFirst(sibling, messages) {
    const held = this.#held.get(sibling) ??
      { payloads: [], actions: [], bytes: 0, gonesAt: undefined, ready: false };
    this.#held.set(sibling, held);
    held.payloads.unshift(...messages.map((message) => message.payload));
    held.actions.unshift(...messages.map((message) => message.action));
    held.bytes += framedBytes(messages.map((message) => message.payload));
    held.asking = true;
  }

  /**
   * The manager answered about `sibling`, asked as its dial closed unwelcomed.
   *
   * @param {Address} sibling
   * @returns {boolean} Whether it was being asked about, for what is held.
   */
  answered(sibling) {
    const held = this.#held.get(sibling);
    if (!held?.asking) return false;
    held.asking = false;
    return true;
  }

  /**
   * After the manager's answer, `sibling` is not being replaced: what is
   * held goes now if its process was ready meanwhile or is linked to this
   * one; else it is reported lost.
   *
   * @param {Address} sibling
   */
  goOrDrop(sibling) {
    const held = this.#held.get(sibling);
    if (held === undefined) return;
    if (held.ready || this.#options.linked(sibling)) {
      held.ready = true;
      this.release(sibling);
    } else {
      this.drop((other) => other === sibling, "it is not connected");
    }
  }

  /**
   * `sibling`'s next process is ready: what waited for it goes, once no
   * link to the old one is left.
   *
   * @param {Address} sibling
   */
  ready(sibling) {
    const held = this.#held.get(sibling);
    if (held) held.ready = true;
    this.release(sibling);
  }

  /**
   * What waits for `sibling`'s next process goes, in order, once it is
   * ready and the old links closed: called as it is ready, and as each
   * link to it closes.
   *
   * @param {Address} sibling
   */
  release(sibling) {
    const held = this.#held.get(sibling);
    if (!held?.ready) return;
    if (held.gonesAt !== undefined && this.#options.gones(sibling) === held.gonesAt) return;
    this.#held.delete(sibling);
    this.#drainWaiters.emptied(sibling);
    sendInOrder(sibling, held, this.#options);
  }

  /**
   * No next process will come for the siblings `which` picks (or this
   * process closes): what waited for them is reported lost, saying `why`.
   *
   * @param {(sibling: Address) => boolean} which
   * @param {string} why
   */
  drop(which, why) {
    for (const [sibling, held] of [...this.#held]) {
      if (!which(sibling)) continue;
      this.#held.delete(sibling);
      this.#drainWaiters.emptied(sibling);
      this.#options.report(lostError(sibling, held.actions, why));
    }
  }
}
