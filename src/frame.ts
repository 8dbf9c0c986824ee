/**
 * Length-prefixed framing: each frame is a 4-byte unsigned big-endian length,
 * then that many payload bytes. The decoder reads straight into its own
 * buffer and hands out views, so a byte is copied at most once on the way in;
 * the encoder batches frames so one socket write carries many.
 *
 * @module
 */

import { FrameError } from "./errors.ts";

/** Bytes in the length prefix. */
export const HEADER_SIZE = 4;
/** The largest length the prefix can express. */
export const MAX_LENGTH = 0xffff_ffff;

/** The read buffer's size once frames may be large. */
const BUFFER_SIZE = 64 * 1024;
/** Below this much free space, unread bytes move to the front before a read. */
const MIN_READ = 16 * 1024;
/** An encoder starts this small: most connections carry little. */
const ENCODER_START_SIZE = 4 * 1024;
/** An encoder buffer grown past this is dropped after use, not kept. */
const KEEP_LIMIT = 1024 * 1024;
const NO_FRAMES: readonly Uint8Array[] = Object.freeze([]);
const EMPTY = new Uint8Array(0);

/**
 * Splits a byte stream into frame payloads, however the stream was chunked.
 *
 * Use it as a read loop does: read into {@linkcode FrameDecoder.space}, then
 * pass the count to {@linkcode FrameDecoder.commit}. Frames that fit the
 * buffer are returned as views into it and stay valid until the next
 * `space()` call; a larger frame gets a buffer of its own, filled in place.
 *
 * The buffer is sized to the limit, so a connection limited to small
 * frames (before its handshake) holds only a small one.
 */
export class FrameDecoder {
  /** The largest payload accepted; a longer declared length is an error. */
  maxFrameSize: number;
  #buffer = EMPTY;
  #start = 0;
  #end = 0;
  /** A frame too large for the buffer, being filled by reads. */
  #large: Uint8Array | null = null;
  #largeFilled = 0;
  /** An error found after frames that were returned first. */
  #error: FrameError | undefined;

  constructor(maxFrameSize: number) {
    this.maxFrameSize = maxFrameSize;
  }

  /** Bytes received but not yet returned as a frame. */
  get buffered(): number {
    return this.#large ? this.#largeFilled : this.#end - this.#start;
  }

  /**
   * Where the next read should write. Invalidates views returned earlier.
   *
   * @throws {FrameError} When the stream broke the limit after the frames
   * last returned.
   */
  space(): Uint8Array {
    if (this.#error) throw this.#error;
    if (this.#large) return this.#large.subarray(this.#largeFilled);
    const size = Math.min(BUFFER_SIZE, HEADER_SIZE + this.maxFrameSize);
    if (this.#buffer.length < size) {
      const grown = new Uint8Array(size);
      grown.set(this.#buffer.subarray(this.#start, this.#end));
      this.#end -= this.#start;
      this.#start = 0;
      this.#buffer = grown;
    }
    if (this.#start === this.#end) {
      this.#start = this.#end = 0;
    } else if (this.#buffer.length - this.#end < Math.min(MIN_READ, this.#buffer.length / 4)) {
      // Only the tail of one unfinished frame moves, once: after this it
      // starts at 0 and fits, so copying stays linear in the bytes received.
      this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    return this.#buffer.subarray(this.#end);
  }

  /**
   * Records `count` bytes written into the last {@linkcode space} and
   * returns the frames they completed, in order.
   *
   * @throws {FrameError} When a frame declares a length over
   * `maxFrameSize` and no frame came before it in these bytes (else the
   * frames are returned, and the next `space()` throws).
   */
  commit(count: number): readonly Uint8Array[] {
    if (this.#large) {
      this.#largeFilled += count;
      if (this.#largeFilled < this.#large.length) return NO_FRAMES;
      const frame = this.#large;
      this.#large = null;
      return [frame];
    }
    this.#end += count;
    return this.#collect();
  }

  #collect(): readonly Uint8Array[] {
    const buffer = this.#buffer;
    let frames: Uint8Array[] | undefined;
    while (this.#end - this.#start >= HEADER_SIZE) {
      const start = this.#start;
      const length = readLength(buffer, start);
      if (length > this.maxFrameSize) {
        const error = new FrameError(
          `Frame of ${length} bytes is over the ${this.maxFrameSize}-byte limit`,
        );
        if (!frames) throw error;
        this.#error = error;
        break;
      }
      const end = start + HEADER_SIZE + length;
      if (end <= this.#end) {
        (frames ??= []).push(buffer.subarray(start + HEADER_SIZE, end));
        this.#start = end;
        continue;
      }
      if (HEADER_SIZE + length > buffer.length) this.#beginLarge(length);
      break;
    }
    return frames ?? NO_FRAMES;
  }

  /** Moves the start of a frame that cannot fit the buffer into its own. */
  #beginLarge(length: number): void {
    const bodyStart = this.#start + HEADER_SIZE;
    this.#large = new Uint8Array(length);
    this.#large.set(this.#buffer.subarray(bodyStart, this.#end));
    this.#largeFilled = this.#end - bodyStart;
    // Views handed out before stay intact: the buffer is not written again
    // until the large frame is complete.
    this.#start = this.#end = 0;
  }
}

/**
 * Accumulates frames (prefix and payload) into one buffer, so that frames
 * sent in the same tick leave in one write.
 */
export class FrameEncoder {
  #buffer = new Uint8Array(ENCODER_START_SIZE);
  #length = 0;

  /** Bytes waiting to be written. */
  get length(): number {
    return this.#length;
  }

  /**
   * Appends one frame carrying `payload`, copying it.
   *
   * @throws {RangeError} When the payload is longer than a prefix can say.
   */
  append(payload: Uint8Array): void {
    if (payload.length > MAX_LENGTH) {
      throw new RangeError(`Payload of ${payload.length} bytes cannot be framed`);
    }
    const needed = this.#length + HEADER_SIZE + payload.length;
    if (needed > this.#buffer.length) this.#grow(needed);
    const buffer = this.#buffer;
    const at = this.#length;
    const length = payload.length;
    buffer[at] = length >>> 24;
    buffer[at + 1] = length >>> 16;
    buffer[at + 2] = length >>> 8;
    buffer[at + 3] = length;
    buffer.set(payload, at + HEADER_SIZE);
    this.#length = needed;
  }

  /** The frames appended so far, as one view; valid until {@linkcode clear}. */
  bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  /** Empties the encoder, releasing a buffer that grew very large. */
  clear(): void {
    this.#length = 0;
    if (this.#buffer.length > KEEP_LIMIT) {
      this.#buffer = new Uint8Array(ENCODER_START_SIZE);
    }
  }

  #grow(needed: number): void {
    const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }
}

/** Reads a big-endian unsigned 32-bit length at `at`. */
function readLength(bytes: Uint8Array, at: number): number {
  return (bytes[at] * 0x100_0000) +
    ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
}
