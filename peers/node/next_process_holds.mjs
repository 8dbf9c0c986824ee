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

import { lostError, sendInOrder } from "./held_messages.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/** @typedef {import("./held_messages.mjs").HeldOptions} NextProcessOptions */

/** Messages held for siblings' next processes. */
export class NextProcessHolds {
  /** @type {Map<Address, import("./held_messages.mjs").Held>} */
  #held = new Map();
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
   * Holds `payload` for `sibling`'s next process.
   *
   * @param {Address} sibling
   * @param {Uint8Array} payload
   * @param {string} action
   */
  hold(sibling, payload, action) {
    const held = this.#held.get(sibling) ?? { payloads: [], actions: [] };
    this.#held.set(sibling, held);
    held.payloads.push(payload);
    held.actions.push(action);
  }

  /**
   * Holds messages for `sibling`'s next process ahead of any held so far:
   * those a dial to it never carried (it closed before its `$welcome`).
   *
   * @param {Address} sibling
   * @param {{ payload: Uint8Array, action: string }[]} messages In the order sent.
   */
  holdFirst(sibling, messages) {
    const held = this.#held.get(sibling) ?? { payloads: [], actions: [] };
    this.#held.set(sibling, held);
    held.payloads.unshift(...messages.map((message) => message.payload));
    held.actions.unshift(...messages.map((message) => message.action));
  }

  /**
   * `sibling`'s next process is ready, and no link to the old one is left:
   * what waited for it goes, in order.
   *
   * @param {Address} sibling
   */
  release(sibling) {
    const held = this.#held.get(sibling);
    if (held === undefined) return;
    this.#held.delete(sibling);
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
      this.#options.report(lostError(sibling, held.actions, why));
    }
  }
}
