/**
 * `Loopback`: the way a process sends to itself. A message to its own
 * address is copied, then decoded and dispatched exactly like one from a
 * peer, in a later task, on every transport alike. A later task, not a
 * microtask: a loop that awaits requests to itself (`ANY` with one worker
 * up) would otherwise never let timers, signals or sockets run.
 *
 * @module
 */

import { DrainWaiters } from "./drain_waiters.ts";
import { nextTask } from "./next_task.ts";
import { copyPayload } from "./payload_pieces.ts";
import type { Payload } from "./transport.ts";

/** A queue whose far end is its near end. */
export class Loopback {
  readonly #deliver: (payloads: readonly Uint8Array[]) => void;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #scheduled = false;
  #open = true;
  readonly #drainWaiters = new DrainWaiters();

  /** @param deliver Called with each batch, in a later task than the sends. */
  constructor(deliver: (payloads: readonly Uint8Array[]) => void) {
    this.#deliver = deliver;
  }

  /** Bytes sent and not yet delivered. */
  get queued(): number {
    return this.#queuedBytes;
  }

  /**
   * Queues a copy of `payload`.
   *
   * @returns Its size in bytes, or -1 once closed.
   */
  send(payload: Payload): number {
    if (!this.#open) return -1;
    const bytes = copyPayload(payload);
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      nextTask().then(() => this.#flush());
    }
    return bytes.length;
  }

  /** Resolves once at most `limit` bytes wait. */
  drained(limit: number): Promise<void> {
    return this.#drainWaiters.wait(this.#queuedBytes, limit);
  }

  /** Refuses later sends; what was sent before is still delivered. */
  close(): void {
    this.#open = false;
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#drainWaiters.update(0);
    this.#deliver(batch);
  }
}
