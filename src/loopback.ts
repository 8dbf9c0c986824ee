/**
 * The connection a process has to itself: a message a process sends to its
 * own address takes this path, so it is decoded and dispatched exactly like
 * one from a peer, a tick later.
 *
 * @module
 */

import { DrainWaiters } from "./drain_waiters.ts";
import { CLOSED, type Connection, FULL, type Payload } from "./transport.ts";
import { HEADER_SIZE } from "./frame.ts";

const utf8 = new TextEncoder();

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

  send(payload: Payload, limit = Infinity): number {
    if (!this.#open) return CLOSED;
    const bytes = typeof payload === "string" ? utf8.encode(payload) : payload.slice();
    if (this.#queuedBytes + HEADER_SIZE + bytes.length > limit) return FULL;
    this.#queue.push(bytes);
    this.#queuedBytes += HEADER_SIZE + bytes.length;
    this.#wake?.();
    return bytes.length;
  }

  close(): void {
    this.#open = false;
    this.#wake?.();
  }

  receive(receiver: (payloads: readonly Uint8Array[]) => void): void {
    this.#deliver(receiver);
  }

  async #deliver(receiver: (payloads: readonly Uint8Array[]) => void): Promise<void> {
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
        receiver(batch);
      }
    } finally {
      this.#open = false;
      this.#drainWaiters.releaseAll();
      this.#closed.resolve(undefined);
    }
  }
}
