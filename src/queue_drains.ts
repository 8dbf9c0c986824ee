/**
 * Waiting for the way out to drain: the high-water mark of `drain()` and
 * of a streamed answer's parts, and the empty queues of `flushed()`. What
 * is queued for a peer may be in three places: the loopback (to itself),
 * the holds for a sibling that does not listen yet, and the endpoint's
 * queue; each is waited on.
 *
 * @module
 */

import { type Address, type Target, targetsOf } from "./address.ts";
import type { Loopback } from "./loopback.ts";
import type { Outbox } from "./outbox.ts";
import type { Endpoint } from "./transport.ts";

/** Waits for one process's queues to drain. */
export class QueueDrains {
  readonly #self: Address;
  readonly #endpoint: Endpoint;
  readonly #loopback: Loopback;
  /** Its layout and holds for siblings, as they are when waited on. */
  readonly #outbox: Outbox;
  readonly #highWaterMark: number;

  /**
   * @param endpoint This process's endpoint.
   * @param loopback Where what this process sends itself goes.
   * @param outbox The way out, with its layout and its holds for siblings.
   * @param highWaterMark Queued bytes per peer above which `drain()` waits.
   */
  constructor(endpoint: Endpoint, loopback: Loopback, outbox: Outbox, highWaterMark: number) {
    this.#self = endpoint.self;
    this.#endpoint = endpoint;
    this.#loopback = loopback;
    this.#outbox = outbox;
    this.#highWaterMark = highWaterMark;
  }

  /** See {@linkcode Replier.drainFor}. */
  drainFor(to: Address): Promise<void> | undefined {
    const queued = to === this.#self ? this.#loopback.queued : this.#endpoint.queued(to);
    // No promise made per part while the queue is low.
    return queued > this.#highWaterMark ? this.#drainedTo(to) : undefined;
  }

  /**
   * Resolves once at most the high-water mark is queued for `to` (or held
   * for it, a sibling that does not listen yet).
   */
  async #drainedTo(to: Address): Promise<void> {
    const highWaterMark = this.#highWaterMark;
    if (to === this.#self) return await this.#loopback.drained(highWaterMark);
    await this.#sentOn(highWaterMark, to);
  }

  /**
   * Resolves once at most `limit` bytes are held or queued for `to`
   * (default: for each peer). Again while more is held: a connection that
   * closed before it opened gives back what it carried, held then for the
   * peer's next process.
   */
  async #sentOn(limit: number, to?: Address): Promise<void> {
    const holds = this.#outbox.siblings;
    do {
      // Not `await holds?.drained()`: a manager holds nothing, and awaiting nothing costs a tick.
      if (holds) await holds.drained(limit, to);
      await this.#endpoint.drained(limit, to);
    } while (holds?.isOver(limit, to));
  }

  /** Resolves once the queues to `to` (default: every peer) are at most the high-water mark. */
  async drain(to?: Target): Promise<void> {
    if (to === undefined) return await this.#drained(this.#highWaterMark);
    const targets = targetsOf(this.#outbox.layout.here(to), "drain", "drain the queues to");
    // One target, the usual case: no Promise.all, whose promises and turns
    // cost a sender of small messages that drains after each about 1 µs of
    // its 7.5 a message (bench/BYTES.md, 2026-12-07, third).
    if (targets.length === 1) return await this.#drainedTo(targets[0]);
    await Promise.all(targets.map((target) => this.#drainedTo(target)));
  }

  /**
   * Resolves once everything sent so far is handed on: every queue empty,
   * nothing held for siblings that do not listen yet, connections still
   * opening opened (or failed), messages to itself dispatched.
   */
  flushed(): Promise<void> {
    return this.#drained(0);
  }

  /** Resolves once at most `limit` bytes are queued (or held) for each peer. */
  async #drained(limit: number): Promise<void> {
    await Promise.all([this.#sentOn(limit), this.#loopback.drained(limit)]);
  }
}
