/**
 * Labelled output: a child's stdout or stderr cut into lines, each written
 * with the child's address in front (`[worker 1] …`), so that the output of
 * many children on the manager's streams says who wrote each line; and,
 * if asked, the time the manager read it
 * (`2026-12-07T06:59:01.123Z [worker 1] …`).
 *
 * Lines are cut on bytes, not characters: output that is not UTF-8 passes
 * through unchanged.
 *
 * @module
 */

/** Writes bytes somewhere; resolves once they are written. */
export type Write = (bytes: Uint8Array) => Promise<void>;

/**
 * The longest start of a line held back for its end, in bytes. A line
 * longer than this (no log line is; a binary dump may have no newline at
 * all) is written in pieces as it comes, labelled once, so that a child
 * cannot grow the manager's memory; other children's lines may then come
 * between its pieces. 64 KiB is what one read of a pipe returns at most.
 */
export const MAX_HELD_LINE = 64 * 1024;

const NEWLINE = 0x0a;
const encoder = new TextEncoder();

/** How a {@linkcode LineLabeller} stamps and holds lines. */
export interface LabellerOptions {
  /**
   * Reads the time, in ms since the epoch, that each line gets in front of
   * its label, as ISO 8601 in UTC; when left out, lines get none. Read once
   * for each chunk: the lines it ends share it. Not a `Clock`, whose time
   * is monotonic and says no date.
   */
  time?: () => number;
  /** See {@linkcode MAX_HELD_LINE}. */
  maxHeld?: number;
}

/**
 * Cuts a byte stream into lines and writes each with `[label] ` in front,
 * after the time it was read if stamped.
 */
export class LineLabeller {
  readonly #prefix: Uint8Array;
  readonly #write: Write;
  readonly #maxHeld: number;
  /** The time and the label, when lines are stamped. */
  readonly #stamp: Stamp | undefined;
  /** The start of a line whose end has not come yet. */
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  /** Whether the current line's start is written already, label and all. */
  #midLine = false;

  /**
   * @param label Goes in front of each line, in brackets.
   * @param write Where the labelled lines go, whole lines per call (but
   * for lines over `maxHeld`).
   */
  constructor(label: string, write: Write, options: LabellerOptions = {}) {
    this.#prefix = encoder.encode(`[${label}] `);
    this.#write = write;
    this.#maxHeld = options.maxHeld ?? MAX_HELD_LINE;
    this.#stamp = options.time && new Stamp(options.time, this.#prefix);
  }

  /** Takes the next chunk and writes the lines it ends, in one write. */
  push(chunk: Uint8Array): Promise<void> {
    const prefix = this.#prefixNow();
    const out: Uint8Array[] = [];
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      this.#emit(out, prefix, chunk.subarray(start, end + 1));
      this.#midLine = false;
      start = end + 1;
    }
    if (start < chunk.length) {
      // A copy: the rest of the chunk need not be kept alive with it.
      this.#held.push(chunk.slice(start));
      this.#heldBytes += chunk.length - start;
      if (this.#heldBytes >= this.#maxHeld) {
        this.#emit(out, prefix);
        this.#midLine = true;
      }
    }
    return this.#flush(out);
  }

  /** The stream ended: writes a last line that had no newline, with one. */
  end(): Promise<void> {
    const out: Uint8Array[] = [];
    if (this.#heldBytes > 0 || this.#midLine) {
      this.#emit(out, this.#prefixNow(), Uint8Array.of(NEWLINE));
    }
    this.#midLine = false;
    return this.#flush(out);
  }

  /** What goes in front of a line read now: the label, after the time if stamped. */
  #prefixNow(): Uint8Array {
    return this.#stamp?.now() ?? this.#prefix;
  }

  /** Adds `prefix` (unless the line has its label already), what is held, and `tail`. */
  #emit(out: Uint8Array[], prefix: Uint8Array, tail?: Uint8Array): void {
    if (!this.#midLine) out.push(prefix);
    out.push(...this.#held);
    if (tail) out.push(tail);
    this.#held = [];
    this.#heldBytes = 0;
  }

  #flush(out: Uint8Array[]): Promise<void> {
    return out.length === 0 ? Promise.resolve() : this.#write(concat(out));
  }
}

const SPACE = 0x20;
const ZERO = 0x30;

/**
 * A time and a label as bytes, `2026-12-07T06:59:01.123Z [worker 1] `,
 * written over in place for each new time, and within the same second
 * only its milliseconds. An encoded string and `toISOString()` for each
 * read took 2.8 µs a line, against 0.6 µs unstamped and 0.8 µs so, where
 * each read held one line and a new ms (a scratch benchmark, 2026-12).
 *
 * The bytes it returns are good until the next call: each write's bytes
 * are copied out of them first (`concat()`, never of a label alone).
 */
class Stamp {
  readonly #time: () => number;
  readonly #label: Uint8Array;
  #bytes = new Uint8Array();
  /** The ms the bytes say, and the second; where their milliseconds' three digits are. */
  #ms = NaN;
  #second = NaN;
  #msAt = 0;

  /** @param time See {@linkcode LabellerOptions.time}. */
  constructor(time: () => number, label: Uint8Array) {
    this.#time = time;
    this.#label = label;
  }

  /** The bytes for the time now (a fraction of a ms is in the ms it is in, as `Date` takes it). */
  now(): Uint8Array {
    const ms = Math.trunc(this.#time());
    if (ms === this.#ms) return this.#bytes;
    const second = Math.floor(ms / 1000);
    if (second === this.#second) {
      const digits = ms - second * 1000;
      this.#bytes[this.#msAt] = ZERO + Math.floor(digits / 100);
      this.#bytes[this.#msAt + 1] = ZERO + Math.floor(digits / 10) % 10;
      this.#bytes[this.#msAt + 2] = ZERO + digits % 10;
    } else {
      // Past the year 9999, longer: "+010000-01-01T00:00:00.000Z".
      const iso = new Date(ms).toISOString();
      if (this.#bytes.length !== iso.length + 1 + this.#label.length) {
        this.#bytes = new Uint8Array(iso.length + 1 + this.#label.length);
        this.#bytes[iso.length] = SPACE;
        this.#bytes.set(this.#label, iso.length + 1);
      }
      encoder.encodeInto(iso, this.#bytes);
      this.#second = second;
      this.#msAt = iso.length - 4;
    }
    this.#ms = ms;
    return this.#bytes;
  }
}

/**
 * Reads `stream` to its end and writes its lines labelled; resolves once
 * the last one is written. What `write` fails to write is dropped and the
 * reading goes on, so the child never blocks on a full pipe.
 *
 * @param options `signal` stops reading when aborted (what came is
 * written); `time` stamps the lines (see {@linkcode LabellerOptions}).
 */
export async function pipeLabelled(
  stream: ReadableStream<Uint8Array>,
  label: string,
  write: Write,
  options: { signal?: AbortSignal; time?: () => number } = {},
): Promise<void> {
  const { signal, time } = options;
  const labeller = new LineLabeller(label, (bytes) => write(bytes).catch(() => {}), { time });
  const reader = stream.getReader();
  // Let go of, it no longer waits for its writes either: one the manager's
  // stream does not take (nobody reads it) would hold it for ever.
  const letGo = Promise.withResolvers<void>();
  const cancel = () => {
    letGo.resolve();
    void reader.cancel().catch(() => {});
  };
  if (signal?.aborted) cancel();
  signal?.addEventListener("abort", cancel, { once: true });
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      await Promise.race([labeller.push(value), letGo.promise]);
    }
  } catch {
    // The pipe failed: nothing more will come; what came is written below.
  } finally {
    signal?.removeEventListener("abort", cancel);
  }
  await Promise.race([labeller.end(), letGo.promise]);
}

/**
 * A {@linkcode Write} to one of the manager's own streams, one write after
 * another, so that lines of different children never interleave. A write
 * that fails (nobody reads the manager's stream any more) is dropped.
 */
export function serialWriter(file: { write(bytes: Uint8Array): Promise<number> }): Write {
  let last = Promise.resolve();
  /** When the write in flight began; undefined when none is. */
  let since: number | undefined;
  writers.add(() => since);
  return (bytes) => {
    last = last.then(async () => {
      since = performance.now();
      try {
        for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
      } finally {
        since = undefined;
      }
    }).catch(() => {});
    return last;
  };
}

/** When each serial writer's write in flight began, if one is. */
const writers = new Set<() => number | undefined>();

/**
 * How long the oldest write in flight to the manager's streams has waited,
 * in ms; 0 when none is. One that a stream nobody reads (a stalled log
 * pipe) never takes waits for ever, and keeps the process alive: Deno
 * cannot cancel a write.
 */
export function longestWrite(): number {
  const now = performance.now();
  let longest = 0;
  for (const since of writers) {
    const began = since();
    if (began !== undefined) longest = Math.max(longest, now - began);
  }
  return longest;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}
