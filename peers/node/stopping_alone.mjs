/**
 * {@linkcode StoppingAlone}: a process stopping while the cluster goes on
 * (a reload, a SIGTERM to it alone, its own code's close), as Switchboard's
 * `src/stopping_alone.ts`: it takes no new request, and tells each peer
 * `$leaving`, those connected then and any it hears from later. Each
 * answers `$left`, which follows on its connection every request it sent
 * before, so once every peer told has answered (or is gone) every request
 * that will reach this process is in: answered, or refused with
 * {@linkcode refusal}.
 *
 * @module
 */

import { responseAction } from "./action.mjs";
import { describe } from "./address.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/** The peers told `$leaving`, and those whose `$left` it still waits for. */
export class StoppingAlone {
  /** @type {Set<Address>} */
  #told = new Set();
  /** @type {Set<Address>} */
  #waiting = new Set();
  /** @type {Function[]} */
  #settled = [];
  #sendControl;

  /** @param {(to: Address, action: string) => boolean} sendControl Whether it could be sent. */
  constructor(sendControl) {
    this.#sendControl = sendControl;
  }

  /**
   * Tells `peer` `$leaving`, once, and waits for its `$left`.
   *
   * @param {Address} peer
   */
  tell(peer) {
    if (this.#told.has(peer)) return;
    this.#told.add(peer);
    if (this.#sendControl(peer, "$leaving")) this.#waiting.add(peer);
  }

  /**
   * `peer` has every request it sent before its `$left` in (or it is gone).
   *
   * @param {Address} peer
   */
  left(peer) {
    if (!this.#waiting.delete(peer) || this.#waiting.size > 0) return;
    for (const resolve of this.#settled.splice(0)) resolve();
  }

  /**
   * Tells every peer in `peers` `$leaving`, and waits for each one's
   * `$left`, at most `timeout` ms, so that a stopped peer cannot hold this one.
   *
   * @param {Address[]} peers
   * @param {number} timeout
   * @returns {Promise<void>}
   */
  async letGo(peers, timeout) {
    for (const peer of peers) this.tell(peer);
    if (this.#waiting.size === 0) return;
    let timer;
    await Promise.race([
      new Promise((resolve) => this.#settled.push(resolve)),
      new Promise((resolve) => timer = setTimeout(resolve, timeout)),
    ]);
    clearTimeout(timer);
  }
}

/**
 * The answer to a request this process no longer takes: nothing of it
 * runs, and it can carry the request's data back (`data`, when it fits a
 * frame), to go to another worker or wait for this one's new process.
 *
 * @param {Address} self
 * @param {{ action: string, messageId: string }} request
 * @returns {{ action: string, messageId: string, re: true, error: object }}
 */
export function refusal(self, request) {
  return {
    action: responseAction(request.action),
    messageId: request.messageId,
    re: true,
    error: { name: "ClosedError", message: `${describe(self)} is stopping`, stopping: true },
  };
}
