/**
 * The connection a process has to itself: a message a process sends to its
 * own address takes this path, so it is decoded and dispatched exactly like
 * one from a peer, a tick later.
 *
 * @module
 */

import { DrainWaiters } from "./drain_waiters.ts";
import type { Connection } from "./transport.ts";

/** A {@linkcode Connection} whose far end is its near end. */
export class LoopbackConnection implements Connection {
  maxFrameSize = Infinity;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #wake: (() => void) | undefined;
  readonly #drainWaiters = new DrainWaiters();
  #open = true;
  readonly #closed = Promise.withResolvers<Error | undefined>();

  get bufferedBytes(): number {
    return this.#queuedBytes;
  }

  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  drained(limit: number): Promise<void> {
    return this.#drainWaiters.wait(this.#queuedBytes, limit);
  }

  send(payload: Uint8Array): boolean {
    if (!this.#open) return false;
    this.#queue.push(payload.slice());
    this.#queuedBytes += payload.length;
    this.#wake?.();
    return true;
  }

  close(): void {
    this.#open = false;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<readonly Uint8Array[]> {
    try {
      while (this.#open || this.#queue.length > 0) {
        if (this.#queue.length === 0) {
          await new Promise<void>((resolve) => this.#wake = resolve);
          this.#wake = undefined;
          continue;
        }
        const batch = this.#queue;
        this.#queue = [];
        this.#queuedBytes = 0;
        this.#drainWaiters.update(0);
        yield batch;
      }
    } finally {
      this.#open = false;
      this.#drainWaiters.releaseAll();
      this.#closed.resolve(undefined);
    }
  }
}
