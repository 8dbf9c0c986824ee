/**
 * How a process sends control frames (`$` actions): from deep inside the
 * library, where nobody could catch an error, so one that cannot go is
 * reported, not thrown. Those that answer a peer's frames (`$left`,
 * `$synced`) go within that peer's queue limit: one that sends and never
 * reads would otherwise have them queued without limit. A peer whose
 * answers are dropped so is reported once a connection.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import { asError } from "./as_error.ts";
import { encodeMessage } from "./codec.ts";
import { QueueFullError } from "./errors.ts";
import type { Loopback } from "./loopback.ts";
import { type Endpoint, FULL, type Payload, TOO_LARGE } from "./transport.ts";

/** What the control sender needs of its router. */
export interface ControlSenderOptions {
  /** This process's endpoint. */
  endpoint: Endpoint;
  /** Where what this process sends itself goes. */
  loopback: Loopback;
  /** The largest message to send. */
  maxFrameSize: number;
  /** Queued bytes per peer above which sends are refused. */
  maxQueuedBytes: number;
  /** Where a frame that cannot go is reported (the process's `onError`). */
  report(error: Error): void;
}

/** Sends one process's control frames. */
export class ControlSender {
  readonly #self: Address;
  readonly #options: ControlSenderOptions;
  /** Peers whose control answers were dropped, their queue full: reported once a connection. */
  readonly #overflowing = new Set<Address>();

  constructor(options: ControlSenderOptions) {
    this.#self = options.endpoint.self;
    this.#options = options;
  }

  /**
   * Sends a control frame to one peer; returns whether the transport took
   * it. One that cannot be sent (over `maxFrameSize`: a layout of very many
   * processes, say) is reported, not thrown: it is sent from deep inside
   * the library, where nobody could catch it.
   */
  send(to: Address, action: string, data?: unknown): boolean {
    return this.#sendControl(to, action, data, Infinity) >= 0;
  }

  /**
   * Sends a control frame to another host's manager, as
   * {@linkcode ControlSender.send} does, but returns the transport's code:
   * its size, or why not. One the window to that host has no room for
   * (`FULL`) is not reported: the caller sends it once there is room.
   */
  sendToManager(to: Address, action: string, data?: unknown): number {
    return this.#sendControl(to, action, data, Infinity, false);
  }

  /**
   * Sends a control frame that answers one from `to` (`$left`, `$synced`),
   * within `maxQueuedBytes` for `to` and room for one frame more. A peer
   * makes as many of these as it sends frames: one that sends and never
   * reads had them queued without limit (a 16 MiB `$sync`, echoed, 16 MiB
   * each), until its receiver ran out of memory. Past the limit they are
   * dropped, and that reported once for the connection. The room above
   * `maxQueuedBytes` is for a peer that reads, slowly: what it is sent
   * fills its queue at most to `maxQueuedBytes`, and its `$left` still goes,
   * or a worker being reloaded under load would wait for it until killed.
   *
   * @returns Whether the transport took it.
   */
  answer(to: Address, action: string, data?: unknown): boolean {
    const { maxQueuedBytes, maxFrameSize } = this.#options;
    const limit = maxQueuedBytes + maxFrameSize + this.#options.endpoint.overhead;
    return this.#sendControl(to, action, data, limit) >= 0;
  }

  /** The connection to `peer` closed: answers dropped on the next one are reported again. */
  gone(peer: Address): void {
    this.#overflowing.delete(peer);
  }

  /** Sends a control frame within `limit`: its size, or the transport's code. */
  #sendControl(
    to: Address,
    action: string,
    data: unknown,
    limit: number,
    reportFull = true,
  ): number {
    let payload: Payload;
    try {
      payload = encodeMessage({ action, data }, this.#options.maxFrameSize, to);
    } catch (error) {
      this.#options.report(asError(error));
      return TOO_LARGE;
    }
    // To itself (a request it made to itself: `$cancel`, `$more`), through the loopback.
    const size = to === this.#self
      ? this.#options.loopback.send(payload)
      : this.#options.endpoint.send(to, payload, limit);
    if (size === FULL && reportFull && !this.#overflowing.has(to)) {
      this.#overflowing.add(to);
      this.#options.report(this.#controlFull(to, action, limit));
    }
    return size;
  }

  /**
   * Why a control frame to `to` was refused as `FULL`, within `limit`: its
   * own queue, which a peer that sends and does not read fills; or the
   * window to its host, another, that has not confirmed what went there
   * (it reads slowly, or its confirmations were lost on the way); or this
   * process's answers to `to` that wait for room in that window, which it
   * would go after (see `Endpoint.answersHeldFor`).
   */
  #controlFull(to: Address, action: string, limit: number): QueueFullError {
    const { endpoint } = this.#options;
    const queued = endpoint.queued(to);
    const window = endpoint.queueLimit?.(to);
    const why = endpoint.answersHeldFor?.(to)
      ? "it would go after this process's answers to it, which wait for room in the window to its " +
        `host (${queued} of its ${window} bytes are sent and not confirmed yet), so it was dropped`
      : window !== undefined && window < limit
      ? `the window to its host has no room for it (${queued} of its ${window} bytes are sent ` +
        "and not confirmed yet), so it was dropped"
      : `${queued} bytes are queued for it already, and the limit is ${limit} (maxQueuedBytes and a frame): ` +
        "it sends and does not read, and what answers it is dropped until its connection closes";
    return new QueueFullError(`Cannot send "${action}" to ${describe(to)}: ${why}`, {
      action,
      peer: to,
    });
  }
}
