/**
 * A batch: the envelopes one host has for another within one task, written
 * into one buffer and published as one NATS message at the end of the task.
 * NATS costs most per message, not per byte (the client's protocol line and
 * copy, the server's routing, the receiver's parse), so a burst of small
 * messages goes out as a few large ones; a lone message still leaves at once,
 * before the client's own flush in the same task.
 *
 * @module
 */

/** The envelopes waiting for one host. */
export class Batch {
  /** Bytes written so far. */
  used = 0;
  /** Where the last envelope written starts: `used` goes back to it to take that one back. */
  last = 0;
  #bytes: Uint8Array;
  readonly #limit: number;
  readonly #publish: (bytes: Uint8Array) => void;
  #scheduled = false;

  /**
   * @param limit The most one published message may hold (the server's
   * `max_payload`).
   * @param publish Sends one batch's bytes; they are never written again.
   */
  constructor(limit: number, publish: (bytes: Uint8Array) => void) {
    this.#limit = limit;
    this.#publish = publish;
    this.#bytes = new Uint8Array(0);
  }

  /**
   * The buffer to write the next `size` bytes into, at `used`: what is
   * waiting is published first when it and they would pass the limit.
   */
  reserve(size: number): Uint8Array {
    if (this.used > 0 && this.used + size > this.#limit) this.flush();
    const needed = this.used + size;
    if (needed > this.#bytes.length) {
      const room = Math.min(Math.max(2 * this.#bytes.length, 1024), this.#limit);
      const grown = new Uint8Array(Math.max(needed, room));
      grown.set(this.#bytes.subarray(0, this.used));
      this.#bytes = grown;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.flush());
    }
    return this.#bytes;
  }

  /** Publishes what is waiting, if anything. */
  flush(): void {
    this.#scheduled = false;
    if (this.used === 0) return;
    const bytes = this.#bytes.subarray(0, this.used);
    // The client holds on to them until it writes: the next batch needs a buffer of its own.
    this.#bytes = new Uint8Array(0);
    this.used = 0;
    this.last = 0;
    this.#publish(bytes);
  }
}
