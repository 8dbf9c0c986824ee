/**
 * The way out of one process: encoded payloads handed to the transport
 * within `maxQueuedBytes`, to one process (itself through the loopback),
 * to several as a whole, or to whichever worker is least busy. What the
 * transport refuses becomes the error the caller sees, naming the action
 * and the process.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import { toBytes } from "./codec.ts";
import { FrameError, QueueFullError, UnreachableError } from "./errors.ts";
import type { Layout } from "./layout.ts";
import type { Loopback } from "./loopback.ts";
import { type Endpoint, FULL, type Payload, TOO_LARGE, UNREACHABLE } from "./transport.ts";
import { WorkerChooser } from "./worker_chooser.ts";

/** What an outbox sends through, and within. */
export interface OutboxOptions {
  /** This process's endpoint. */
  endpoint: Endpoint;
  /** Where what this process sends itself goes. */
  loopback: Loopback;
  /** The most bytes queued for one peer. */
  maxQueuedBytes: number;
  /** The cluster's processes now: hosts join and leave. */
  layout(): Layout;
}

/** Hands one process's payloads to the transport, within its limits. */
export class Outbox {
  readonly #self: Address;
  readonly #options: OutboxOptions;
  readonly #chooser = new WorkerChooser();

  constructor(options: OutboxOptions) {
    this.#self = options.endpoint.self;
    this.#options = options;
  }

  /**
   * Sends to one process, within `maxQueuedBytes`.
   *
   * @returns The payload's size, or a negative code: not handed over.
   * @throws {QueueFullError} When the queue to `to` has no room for it.
   * @throws {FrameError} When it is over what the transport carries to `to`.
   */
  send(to: Address, payload: Payload, action: string): number {
    const { endpoint, loopback, maxQueuedBytes } = this.#options;
    if (to === this.#self) return loopback.send(payload);
    if (!this.#options.layout().has(to)) return UNREACHABLE;
    const size = endpoint.send(to, payload, maxQueuedBytes);
    if (size === FULL) throw this.#queueFull(to, action, endpoint.queued(to));
    if (size === TOO_LARGE) throw this.#tooLarge(to, action);
    return size;
  }

  /**
   * Sends to several, encoded to bytes once whatever their number, and to
   * all or, when one would refuse it, to none.
   *
   * @returns How many it was handed to.
   * @throws {QueueFullError} When one's queue has no room for it; nothing is sent.
   * @throws {FrameError} When it is over what the transport carries to one; nothing is sent.
   */
  sendToAll(targets: readonly Address[], payload: Payload, action: string): number {
    const bytes = toBytes(payload);
    this.#checkAll(targets, bytes.length, action);
    let handed = 0;
    for (const target of targets) if (this.send(target, bytes, action) >= 0) handed++;
    return handed;
  }

  /**
   * Sends to one worker, the least busy that takes it (see
   * `worker_chooser.ts`); one whose queue is full is passed over.
   *
   * @param openTo The work a worker has open, as the sender knows it.
   * @returns The worker, or undefined when none is up.
   * @throws {QueueFullError} When every worker up has a full queue.
   */
  sendToAny(
    payload: Payload,
    action: string,
    openTo: (worker: Address) => number,
  ): Address | undefined {
    const workers = this.#options.layout().workerIds;
    let full: QueueFullError | undefined;
    for (const worker of this.#chooser.candidates(workers, openTo)) {
      try {
        if (this.send(worker, payload, action) < 0) continue;
      } catch (error) {
        if (!(error instanceof QueueFullError)) throw error;
        full ??= error;
        continue;
      }
      this.#chooser.chose(worker, workers);
      return worker;
    }
    if (full) throw full;
    return undefined;
  }

  /** The error for a request that could not be handed to `to`. */
  unreachable(action: string, to: Address): UnreachableError {
    const layout = this.#options.layout();
    const why = layout.has(to)
      ? "it is not connected"
      : `no such process (the cluster has ${layout})`;
    return new UnreachableError(`Request "${action}" to ${describe(to)} failed: ${why}`, {
      action,
      peer: to,
    });
  }

  /**
   * Checks that every target would take a payload of `size` bytes, before
   * any is sent: not over what the transport carries to it, and room in
   * its queue, counting what the others before it add to a queue they
   * share (a host's, across hosts).
   */
  #checkAll(targets: readonly Address[], size: number, action: string): void {
    const { endpoint, maxQueuedBytes } = this.#options;
    const planned = new Map<unknown, number>();
    for (const target of targets) {
      const self = target === this.#self;
      if (!self && size > endpoint.maxPayload(target)) throw this.#tooLarge(target, action);
      const queue = self ? target : endpoint.queueKey?.(target) ?? target;
      const queued = planned.get(queue) ?? this.#queued(target);
      const own = self ? undefined : endpoint.queueLimit?.(target);
      const after = queued + endpoint.overhead + size;
      if (after > Math.min(maxQueuedBytes, own ?? Infinity)) {
        throw this.#queueFull(target, action, queued);
      }
      planned.set(queue, after);
    }
  }

  #queued(to: Address): number {
    const { endpoint, loopback } = this.#options;
    return to === this.#self ? loopback.queued : endpoint.queued(to);
  }

  #tooLarge(to: Address, action: string): FrameError {
    const { endpoint } = this.#options;
    const name = endpoint.limitName?.(to);
    return new FrameError(
      `Cannot send "${action}" to ${describe(to)}: the message is over the ${
        endpoint.maxPayload(to)
      }-byte limit of the transport to it${name ? ` (${name})` : ""}`,
      { action, peer: to },
    );
  }

  #queueFull(to: Address, action: string, queued: number): QueueFullError {
    return new QueueFullError(
      `Cannot send "${action}" to ${
        describe(to)
      }: ${queued} bytes are queued for it already, and the limit is ${this.#options.maxQueuedBytes} (maxQueuedBytes); await drain() first`,
      { action, peer: to },
    );
  }
}
