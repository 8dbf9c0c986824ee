/**
 * {@linkcode Outbox}: the way out of one process, as Switchboard's
 * `src/outbox.ts`: messages encoded within what the way to each target
 * carries, and handed to the endpoint, to one process (itself through a
 * loopback, on a later turn), behind what was held for a sibling starting
 * with the cluster. What a process sends of its own accord (messages,
 * requests, answers) waits within `maxQueuedBytes` for each peer, and is
 * refused past it with a `QueueFullError` its sender sees, rather than
 * grow the socket's buffer without bound while the peer reads slowly;
 * what answers a peer's control frame on its own (`$left`) has a frame
 * more of room, and is dropped past it.
 *
 * @module
 */

import { describe, isAddress } from "./address.mjs";
import { decodeMessage, encodeMessage } from "./codec.mjs";
import { HEADER_SIZE } from "./frames.mjs";
import { FrameError, QueueFullError } from "./errors.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/**
 * @typedef {object} OutboxOptions
 * @property {import("./bootstrap.mjs").Bootstrap} bootstrap
 * @property {import("./endpoint.mjs").Endpoint} endpoint
 * @property {import("./starting_siblings.mjs").StartingSiblings} siblings
 * @property {(to: Address) => number} held The bytes held in this process
 * for `to` (a sibling that cannot take them yet), which count as queued.
 * @property {(limit: number, siblings?: Address[]) => Promise<void>} heldDrained
 * Resolves once at most `limit` bytes are held for each of `siblings`
 * (default: for each).
 * @property {{ has: (address: Address) => boolean }} layout The cluster now.
 * @property {() => boolean} closed Whether this process closed: nothing goes.
 * @property {(from: Address, message: object) => void} receive Takes what
 * this process sends itself.
 * @property {(error: Error) => void} report
 */

/** Sends payloads. */
export class Outbox {
  #options;
  /** @type {Set<Address>} Peers an answer to a control frame was dropped for, until their connection closes. */
  #overflowing = new Set();

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
   * Sends a message, a request or an answer to one process, within
   * `maxQueuedBytes` for it.
   *
   * @param {Address} to
   * @param {Uint8Array} payload
   * @param {string} action For the error.
   * @returns {boolean} Whether it was handed over.
   * @throws {QueueFullError} When the queue to `to` has no room for it; nothing is sent.
   */
  sendWithin(to, payload, action) {
    this.checkRoom([to], payload.length, action);
    return this.send(to, payload);
  }

  /**
   * Sends an answer that fails a request (an error, a refusal) within
   * `maxQueuedBytes` for `to` and room for one frame more, as `$left` has,
   * and Switchboard's `Outbox.sendFailure`: it is what tells the requester
   * that its request failed (its answer refused at `maxQueuedBytes`, say),
   * which refused too, it learnt only at its timeout.
   *
   * @param {Address} to
   * @param {Uint8Array} payload
   * @param {string} action For the error.
   * @returns {boolean} Whether it was handed over.
   * @throws {QueueFullError} When the queue to `to` has no room for it, even so.
   */
  sendFailure(to, payload, action) {
    this.checkRoom([to], payload.length, action, this.failureRoom());
    return this.send(to, payload);
  }

  /** The room past `maxQueuedBytes` an answer that fails a request has: one frame. */
  failureRoom() {
    return this.#options.bootstrap.maxFrameSize + HEADER_SIZE;
  }

  /**
   * Checks that the queue to each target has room for a payload of `size`
   * bytes, before any is sent: within `maxQueuedBytes`, with what is held
   * for it in this process (until it can take it), and what the targets
   * before it add to a queue they share (the connection to the manager,
   * for processes of other hosts).
   *
   * @param {Address[]} targets
   * @param {number} size
   * @param {string} action For the error.
   * @param {number} [room] Bytes it may take past `maxQueuedBytes` (see `sendFailure`).
   * @throws {QueueFullError} When one's queue has no room for it.
   */
  checkRoom(targets, size, action, room = 0) {
    const { bootstrap, endpoint } = this.#options;
    const planned = new Map();
    for (const target of targets) {
      // The loopback has no limit.
      if (target === bootstrap.self) continue;
      const queue = endpoint.queueOf(target);
      const before = planned.get(queue);
      const queued = before ?? endpoint.queued(target) + this.#options.held(target);
      const after = queued + endpoint.queueCost(target, size);
      if (after > this.#maxQueuedBytes() + room) {
        throw this.#queueFull(target, action, queued, before !== undefined, room);
      }
      planned.set(queue, after);
    }
  }

  /**
   * Sends a control frame that answers one from `to` (`$left`), within
   * `maxQueuedBytes` for `to` and room for one frame more, as Switchboard's
   * router does: a peer that sends such frames and never reads would have
   * their answers queued without limit. Past it they are dropped, and that
   * is reported once for the connection. The frame of room is for a peer
   * that reads, slowly: what it is sent fills its queue at most to
   * `maxQueuedBytes`, and its `$left` still goes.
   *
   * @param {Address} to
   * @param {string} action
   * @returns {boolean} Whether it was handed over.
   */
  answerControl(to, action) {
    const { bootstrap, endpoint, report } = this.#options;
    const payload = this.encode({ action, data: undefined }, to);
    const limit = this.#maxQueuedBytes() + bootstrap.maxFrameSize + HEADER_SIZE;
    const queued = to === bootstrap.self ? 0 : endpoint.queued(to);
    if (queued + endpoint.queueCost(to, payload.length) <= limit) return this.send(to, payload);
    if (!this.#overflowing.has(to)) {
      this.#overflowing.add(to);
      report(
        new QueueFullError(
          `Cannot send "${action}" to ${
            describe(to)
          }: ${queued} bytes are queued for it already, and the limit is ${limit} (maxQueuedBytes and a frame): ` +
            "it sends and does not read, and what answers it is dropped until its connection closes",
          { action, peer: to },
        ),
      );
    }
    return false;
  }

  /**
   * The connection to `address` closed: an answer dropped for it is
   * reported again for the next one.
   *
   * @param {Address} address
   */
  connectionClosed(address) {
    this.#overflowing.delete(address);
  }

  /**
   * Resolves once at most `highWaterMark` bytes are held and queued for
   * each of `to` (default: for every peer), as each counts (see
   * {@linkcode checkRoom}).
   *
   * @param {Address | Address[]} [to]
   * @returns {Promise<void>}
   * @throws {TypeError} When a target is not an address (rejects with it).
   */
  async drain(to) {
    const { bootstrap, endpoint, heldDrained, held } = this.#options;
    const highWaterMark = bootstrap.highWaterMark ?? Infinity;
    const list = to === undefined ? undefined : Array.isArray(to) ? to : [to];
    // Not an address, it has no queue to wait on: it would resolve at once,
    // and a sender that awaited it would go on to be refused at
    // `maxQueuedBytes`. Switchboard's `drain()` refuses it alike.
    for (const target of list ?? []) {
      if (!isAddress(target)) {
        throw new TypeError(
          `Cannot drain the queues to ${
            JSON.stringify(target) ?? String(target)
          }: a target is a worker id (integer >= 0), a service name or MANAGER`,
        );
      }
    }
    const targets = list?.filter((target) => target !== bootstrap.self);
    // Again while more is held: a connection that closed before its
    // `$welcome` gives back what it carried, held then for the next process.
    do {
      await heldDrained(highWaterMark, targets);
      if (targets === undefined) await endpoint.drained(highWaterMark);
      else await Promise.all(targets.map((target) => endpoint.drained(highWaterMark, target)));
    } while (targets?.some((target) => held(target) > highWaterMark));
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

  /** The most bytes that may wait for one peer: the bootstrap's `maxQueuedBytes`. */
  #maxQueuedBytes() {
    return this.#options.bootstrap.maxQueuedBytes ?? Infinity;
  }

  /**
   * @param {boolean} planned Whether `queued` counts this message to others who share the queue.
   * @param {number} room Bytes past `maxQueuedBytes` it had.
   */
  #queueFull(to, action, queued, planned, room) {
    const already = planned
      ? "would be queued for it with this message to those before it that share its queue"
      : "are queued for it already";
    const limit = room === 0
      ? `${this.#maxQueuedBytes()} (maxQueuedBytes)`
      : `${this.#maxQueuedBytes() + room} (maxQueuedBytes and a frame)`;
    return new QueueFullError(
      `Cannot send "${action}" to ${
        describe(to)
      }: ${queued} bytes ${already}, and the limit is ${limit}; await drain() first`,
      { action, peer: to },
    );
  }
}
