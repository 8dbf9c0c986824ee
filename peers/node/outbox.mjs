/**
 * {@linkcode Outbox}: the way out of one process, as Switchboard's
 * `src/outbox.ts`: messages encoded within what the way to each target
 * carries, and handed to the endpoint, to one process (itself through a
 * loopback, on a later turn), behind what was held for a sibling starting
 * with the cluster.
 *
 * @module
 */

import { describe } from "./address.mjs";
import { decodeMessage, encodeMessage } from "./codec.mjs";
import { FrameError } from "./errors.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/**
 * @typedef {object} OutboxOptions
 * @property {import("./bootstrap.mjs").Bootstrap} bootstrap
 * @property {import("./endpoint.mjs").Endpoint} endpoint
 * @property {import("./starting_siblings.mjs").StartingSiblings} siblings
 * @property {{ has: (address: Address) => boolean }} layout The cluster now.
 * @property {() => boolean} closed Whether this process closed: nothing goes.
 * @property {(from: Address, message: object) => void} receive Takes what
 * this process sends itself.
 * @property {(error: Error) => void} report
 */

/** Sends payloads. */
export class Outbox {
  #options;

  /** @param {OutboxOptions} options */
  constructor(options) {
    this.#options = options;
  }

  /**
   * Sends one payload to one process.
   *
   * @param {Address} to
   * @param {Uint8Array} payload
   * @returns {boolean} Whether it was handed over.
   */
  send(to, payload) {
    const { bootstrap, endpoint, siblings, layout, closed, receive, report } = this.#options;
    if (closed()) return false;
    const self = bootstrap.self;
    if (to === self) {
      setImmediate(() => {
        try {
          receive(self, decodeMessage(payload, describe(self), self));
        } catch (error) {
          report(error);
        }
      });
      return true;
    }
    if (!layout.has(to)) return false;
    // What was held for it, starting, goes first.
    siblings.sendHeld(to);
    return endpoint.send(to, payload);
  }

  /**
   * Sends a control frame.
   *
   * @param {Address} to
   * @param {string} action
   * @param {unknown} [data]
   * @returns {boolean} Whether it was handed over.
   */
  sendControl(to, action, data) {
    return this.send(to, this.encode({ action, data }, to));
  }

  /**
   * Encodes a message for `targets`, within what the way to each carries:
   * `maxFrameSize`, and to another host what the manager relays.
   *
   * @param {object} wire
   * @param {Address | Address[] | undefined} to The target as the caller
   * named it, for errors (undefined: every worker).
   * @param {Address[]} [targets] The processes it names.
   * @param {(data: unknown) => void} [sent] Told the data as it goes.
   * @returns {Uint8Array}
   * @throws {FrameError} When it cannot be encoded, or is over a target's limit.
   */
  encode(wire, to, targets = [to], sent = undefined) {
    const { bootstrap, endpoint } = this.#options;
    const payload = encodeMessage(wire, bootstrap.maxFrameSize, to, sent);
    for (const target of targets) {
      const limit = endpoint.maxPayload(target);
      if (payload.length <= limit) continue;
      throw new FrameError(
        `Cannot send "${wire.action}" to ${
          describe(target)
        }: the message is ${payload.length} bytes, over the ${limit}-byte limit of the transport to it (${
          endpoint.limitName(target)
        })`,
        { action: wire.action, peer: target },
      );
    }
    return payload;
  }
}
