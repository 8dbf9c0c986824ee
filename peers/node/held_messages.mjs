/**
 * Messages held for a sibling (`starting_siblings.mjs`,
 * `next_process_holds.mjs`): sent in order once it can take them, and what
 * could not go reported lost, as Switchboard's `src/held_for_siblings.ts`
 * words it.
 *
 * @module
 */

import { describe } from "./address.mjs";
import { UnreachableError } from "./errors.mjs";
import { HEADER_SIZE } from "./frames.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/**
 * @typedef {object} Held
 * @property {Uint8Array[]} payloads In the order sent.
 * @property {string[]} actions Each payload's action.
 * @property {number} bytes What they would add to a queue: the payloads as
 * frames, headers counted (see {@linkcode framedBytes}).
 */

/**
 * The bytes payloads take as frames: what they count for against
 * `maxQueuedBytes` while held, as on a connection.
 *
 * @param {Uint8Array[]} payloads
 * @returns {number}
 */
export function framedBytes(payloads) {
  return payloads.reduce((sum, payload) => sum + HEADER_SIZE + payload.length, 0);
}

/**
 * @typedef {object} HeldOptions
 * @property {(sibling: Address, payload: Uint8Array) => boolean} send
 * Hands a payload to the connection; whether it could.
 * @property {(error: Error) => void} report Where a loss is told (`onError`).
 */

/**
 * Sends what was held for `sibling`, in order; what could not go is
 * reported lost, as not connected.
 *
 * @param {Address} sibling
 * @param {Held} held
 * @param {HeldOptions} options
 */
export function sendInOrder(sibling, held, options) {
  const lost = held.actions.filter((_, i) => !options.send(sibling, held.payloads[i]));
  if (lost.length > 0) options.report(lostError(sibling, lost, "it is not connected"));
}

/**
 * One error for every message held for `sibling` that could not go.
 *
 * @param {Address} sibling
 * @param {string[]} actions The lost messages' actions, in the order sent.
 * @param {string} why
 * @returns {UnreachableError}
 */
export function lostError(sibling, actions, why) {
  const what = actions.length === 1
    ? `Message "${actions[0]}"`
    : `${actions.length} messages (${[...new Set(actions)].map((a) => `"${a}"`).join(", ")})`;
  return new UnreachableError(
    `${what} to ${describe(sibling)}, held until it could take ${
      actions.length === 1 ? "it, was" : "them, were"
    } not delivered: ${why}`,
    { action: actions[0], peer: sibling },
  );
}

/**
 * Who waits for what is held for a sibling to fall to a limit (`drain()`):
 * it only ever falls all at once, as it goes or is dropped.
 */
export class HeldDrainWaiters {
  /** @type {Map<Address, (() => void)[]>} */
  #waiting = new Map();

  /**
   * Resolves once at most `limit` bytes are held for each of `siblings`.
   *
   * @param {Address[]} siblings
   * @param {number} limit
   * @param {(sibling: Address) => number} bytes What is held for one now.
   * @returns {Promise<void>}
   */
  async wait(siblings, limit, bytes) {
    await Promise.all(siblings.map((sibling) => {
      if (bytes(sibling) <= limit) return undefined;
      return new Promise((resolve) => {
        const waiting = this.#waiting.get(sibling) ?? [];
        waiting.push(resolve);
        this.#waiting.set(sibling, waiting);
      });
    }));
  }

  /**
   * Nothing is held for `sibling` any more.
   *
   * @param {Address} sibling
   */
  emptied(sibling) {
    const waiting = this.#waiting.get(sibling);
    if (waiting === undefined) return;
    this.#waiting.delete(sibling);
    for (const resolve of waiting) resolve();
  }
}
