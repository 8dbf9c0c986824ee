/**
 * The raw baseline's wire, with nothing of Switchboard in it: 4-byte
 * big-endian length-prefixed UTF-8 JSON over a `Deno.Conn`, written as a
 * careful hand-rolled implementation would be, so that ratios against it
 * measure the library and not a weak baseline:
 *
 * - Reads land in one reusable buffer and frames are decoded in place; the
 *   unfinished tail moves to the front (or into a buffer big enough for its
 *   frame) at most once, so copying stays linear in the bytes received.
 * - `JSON.stringify`, then `TextEncoder.encodeInto` straight behind the
 *   length prefix in a reusable write buffer: one copy.
 * - Frames queued in one synchronous turn leave in one write; frames queued
 *   while a write is under way gather in a second buffer for the next.
 *
 * @module
 */

/** What the raw processes send each other. */
export interface RawMessage {
  /** What the message means: `echo`, `flood`, `drain`, `drained`, `hello`. */
  action: string;
  /** The payload. */
  data?: unknown;
}

const HEADER = 4;
const INITIAL_SIZE = 64 * 1024;
/** Below this much free space, the unfinished tail moves to the front. */
const MIN_READ = 16 * 1024;

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** A growable byte buffer of whole frames. */
class FrameBuffer {
  length = 0;
  #bytes = new Uint8Array(INITIAL_SIZE);

  /** Appends a frame carrying `json`, encoded in place behind its prefix. */
  appendJson(json: string): void {
    const at = this.length;
    this.#reserve(HEADER + json.length * 3);
    const { written } = utf8.encodeInto(json, this.#bytes.subarray(at + HEADER));
    writeLength(this.#bytes, at, written);
    this.length = at + HEADER + written;
  }

  /** Appends frames encoded elsewhere, prefixes included. */
  appendFrames(frames: Uint8Array): void {
    this.#reserve(frames.length);
    this.#bytes.set(frames, this.length);
    this.length += frames.length;
  }

  /** The frames so far, as a view valid until the next append. */
  bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.length);
  }

  #reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.#bytes.length * 2));
    grown.set(this.#bytes.subarray(0, this.length));
    this.#bytes = grown;
  }
}

const shared = new FrameBuffer();

/**
 * Encodes one frame, prefix included, to hand the same bytes to many
 * connections (a broadcast encodes once). The view is valid until the next
 * call; {@linkcode RawConnection.sendFrames} copies it.
 */
export function encodeFrame(message: RawMessage): Uint8Array {
  shared.length = 0;
  shared.appendJson(JSON.stringify(message));
  return shared.bytes();
}

/** One end of a raw connection: frames out, decoded messages in. */
export class RawConnection {
  /** Settles when the other end closed (or this end did). */
  readonly done: Promise<void>;
  readonly #conn: Deno.Conn;
  readonly #onMessage: (message: RawMessage) => void;
  #queued = new FrameBuffer();
  #spare = new FrameBuffer();
  #writing = false;
  #closed = false;

  constructor(conn: Deno.Conn, onMessage: (message: RawMessage) => void) {
    this.#conn = conn;
    this.#onMessage = onMessage;
    this.done = this.#read();
  }

  /** Queues one message; everything queued this turn leaves in one write. */
  send(message: RawMessage): void {
    this.#queued.appendJson(JSON.stringify(message));
    this.#schedule();
  }

  /** Queues frames from {@linkcode encodeFrame}, copying them. */
  sendFrames(frames: Uint8Array): void {
    this.#queued.appendFrames(frames);
    this.#schedule();
  }

  /** Closes the connection; the other end sees its end. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#conn.close();
  }

  #schedule(): void {
    if (this.#writing) return;
    this.#writing = true;
    queueMicrotask(() => this.#flush());
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queued.length > 0 && !this.#closed) {
        const batch = this.#queued;
        this.#queued = this.#spare;
        this.#spare = batch;
        const bytes = batch.bytes();
        for (let written = 0; written < bytes.length;) {
          written += await this.#conn.write(bytes.subarray(written));
        }
        batch.length = 0;
      }
    } catch (error) {
      if (!this.#closed) throw error;
    } finally {
      this.#writing = false;
    }
  }

  async #read(): Promise<void> {
    let buffer = new Uint8Array(INITIAL_SIZE);
    let start = 0;
    let end = 0;
    try {
      while (true) {
        const count = await this.#conn.read(buffer.subarray(end));
        if (count === null) return;
        end += count;
        while (end - start >= HEADER) {
          const frameEnd = start + HEADER + readLength(buffer, start);
          if (frameEnd > end) break;
          const json = text.decode(buffer.subarray(start + HEADER, frameEnd));
          start = frameEnd;
          this.#onMessage(JSON.parse(json));
        }
        if (start === end) {
          start = end = 0;
          continue;
        }
        // An unfinished frame: give it room, moving its bytes once.
        const needed = HEADER + (end - start >= HEADER ? readLength(buffer, start) : 0);
        if (needed > buffer.length) {
          const grown = new Uint8Array(needed);
          grown.set(buffer.subarray(start, end));
          buffer = grown;
        } else if (start + needed > buffer.length || buffer.length - end < MIN_READ) {
          buffer.copyWithin(0, start, end);
        } else {
          continue;
        }
        end -= start;
        start = 0;
      }
    } catch (error) {
      if (!this.#closed) throw error;
    }
  }
}

function writeLength(bytes: Uint8Array, at: number, length: number): void {
  bytes[at] = length >>> 24;
  bytes[at + 1] = length >>> 16;
  bytes[at + 2] = length >>> 8;
  bytes[at + 3] = length;
}

function readLength(bytes: Uint8Array, at: number): number {
  return bytes[at] * 0x100_0000 + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
}
