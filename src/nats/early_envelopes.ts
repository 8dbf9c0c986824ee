/**
 * Envelopes from a host this one does not know yet. Hosts learn of each
 * other through the membership bucket's watch, which may lag behind the
 * first messages a new host sends: a host that joined, and at once sent a
 * request, is heard before it is seen. Its envelopes wait here, in order,
 * until the membership knows it (its messages can be attested, and answers
 * to its processes have a way back), or for a bounded time, after which
 * they are handled as they are (and dropped, counted, if the host is still
 * unknown: see `strangers.ts`).
 *
 * @module
 */

import type { Envelope } from "./envelope.ts";

/** How long envelopes wait for their host to be known, at most, in ms. */
export const EARLY_PATIENCE = 5_000;
/** How many envelopes wait per host, at most; more are handled at once. */
const MOST_PER_HOST = 10_000;
/** How many unknown hosts may have envelopes waiting. */
const MOST_HOSTS = 64;
/**
 * How many bytes of bodies wait, all hosts together, at most: a host
 * heard before it is seen is let through (or refused) sooner rather than
 * held in memory without bound.
 */
export const MOST_BYTES = 64 * 1024 * 1024;

interface Waiting {
  envelopes: Envelope[];
  bytes: number;
  timer: ReturnType<typeof setTimeout>;
}

/** The envelopes waiting for their hosts to be known. */
export class EarlyEnvelopes {
  readonly #waiting = new Map<string, Waiting>();
  readonly #handle: (envelope: Envelope) => void;
  readonly #patience: number;
  readonly #mostBytes: number;
  /** Bytes of bodies waiting, all hosts together. */
  #bytes = 0;

  /**
   * @param handle Handles an envelope, once its host is known or the wait is over.
   * @param patience The longest wait, in ms.
   * @param mostBytes The most bytes of bodies that wait, all hosts together.
   */
  constructor(
    handle: (envelope: Envelope) => void,
    patience = EARLY_PATIENCE,
    mostBytes = MOST_BYTES,
  ) {
    this.#handle = handle;
    this.#patience = patience;
    this.#mostBytes = mostBytes;
  }

  /**
   * Keeps `envelope` if its host is unknown, or has envelopes waiting (so
   * that order holds).
   *
   * @returns Whether it was kept; if not, the caller handles it now.
   */
  keep(envelope: Envelope, known: boolean): boolean {
    const waiting = this.#waiting.get(envelope.host);
    const size = envelope.body.length;
    const room = this.#bytes + size <= this.#mostBytes;
    if (!waiting) {
      if (known || this.#waiting.size >= MOST_HOSTS || !room) return false;
      const timer = setTimeout(() => this.release(envelope.host), this.#patience);
      this.#waiting.set(envelope.host, { envelopes: [copy(envelope)], bytes: size, timer });
      this.#bytes += size;
      return true;
    }
    if (waiting.envelopes.length >= MOST_PER_HOST || !room) {
      this.release(envelope.host);
      return false;
    }
    waiting.envelopes.push(copy(envelope));
    waiting.bytes += size;
    this.#bytes += size;
    return true;
  }

  /** Handles what waits for `host`, in order: it is known now, or waited long enough. */
  release(host: string): void {
    const waiting = this.#waiting.get(host);
    if (!waiting) return;
    this.#waiting.delete(host);
    this.#bytes -= waiting.bytes;
    clearTimeout(waiting.timer);
    for (const envelope of waiting.envelopes) this.#handle(envelope);
  }

  /**
   * Drops everything: the link is closing.
   *
   * @returns The hosts whose envelopes were dropped, never handled.
   */
  clear(): string[] {
    const hosts = [...this.#waiting.keys()];
    for (const waiting of this.#waiting.values()) clearTimeout(waiting.timer);
    this.#waiting.clear();
    this.#bytes = 0;
    return hosts;
  }
}

/** The body is a view into the client's buffer, which it may reuse once the callback returns. */
function copy(envelope: Envelope): Envelope {
  return { ...envelope, body: envelope.body.slice() };
}
