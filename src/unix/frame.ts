/**
 * Length-prefixed framing: each frame is a 4-byte unsigned big-endian length,
 * then that many payload bytes. The decoder reads straight into its own
 * buffer and hands out views, so a byte is copied at most once on the way
 * in. (The way out is `frame_queue.ts`.)
 *
 * @module
 */

import { headBytesNeeded, ReceivedBinaryFrame } from "../binary_frame.ts";
import { FrameError } from "../errors.ts";

/** Bytes in the length prefix. */
export const HEADER_SIZE = 4;
/** The largest length the prefix can express. */
export const MAX_LENGTH = 0xffff_ffff;

/** The read buffer's size to start with, once frames may be large. */
const BUFFER_SIZE = 64 * 1024;
/**
 * The read buffer grows to hold frames up to this size, and stays grown
 * while frames keep needing it; larger frames get a buffer of their own.
 */
const MAX_BUFFER_SIZE = 16 * 1024 * 1024 + HEADER_SIZE;
/** A grown read buffer shrinks back after this many frames in a row that were small for it… */
const SHRINK_AFTER_FRAMES = 16;
/** …or as soon as it is empty, when it is larger than this. */
const KEEP_BUFFER_SIZE = 8 * 1024 * 1024;
/** Below this much free space, unread bytes move to the front before a read. */
const MIN_READ = 16 * 1024;
/**
 * A binary message frame from this size on has its attachments read into
 * memory of their own, as its receiver would otherwise copy them out.
 */
const OWN_ATTACHMENTS_FROM = 128 * 1024;
const NO_FRAMES: readonly Uint8Array[] = Object.freeze([]);
const EMPTY = new Uint8Array(0);

/**
 * Splits a byte stream into frame payloads, however the stream was chunked.
 *
 * Use it as a read loop does: read into {@linkcode FrameDecoder.space}, then
 * pass the count to {@linkcode FrameDecoder.commit}. Frames are returned as
 * views into the decoder's buffer and stay valid until the next `space()`
 * call. The buffer grows to fit frames of up to 16 MiB and is reused while
 * they keep coming; a larger frame gets a buffer of its own, filled in place.
 * A binary message frame of 128 KiB or more that has not all come in one
 * read is returned in two parts, a {@linkcode ReceivedBinaryFrame}: its
 * head in the buffer (which grows only to fit the head), its attachments
 * read straight into memory of their own. (One whose head alone is over 16
 * MiB is returned whole, in a buffer of its own.)
 *
 * The buffer is sized to the limit, so a connection limited to small
 * frames (before its handshake) holds only a small one.
 */
export class FrameDecoder {
  /** The largest payload accepted; a longer declared length is an error. */
  maxFrameSize: number;
  #buffer: Uint8Array<ArrayBuffer> = EMPTY;
  #start = 0;
  #end = 0;
  /** A frame too large for any buffer we keep, or a frame's attachments, being filled by reads. */
  #large: Uint8Array | null = null;
  #largeFilled = 0;
  /** The head of the binary frame whose attachments fill `#large`, in the buffer. */
  #head: Uint8Array<ArrayBuffer> | undefined;
  /** An error found after frames that were returned first. */
  #error: FrameError | undefined;
  /** Frames in a row under a quarter of a grown buffer. */
  #smallFrames = 0;
  readonly #frames: Uint8Array[] = [];

  constructor(maxFrameSize: number) {
    this.maxFrameSize = maxFrameSize;
  }

  /** Bytes received but not yet returned as a frame. */
  get buffered(): number {
    if (this.#large === null) return this.#end - this.#start;
    return HEADER_SIZE + (this.#head?.length ?? 0) + this.#largeFilled;
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
    if (this.#buffer.length < size) this.#moveTo(new Uint8Array(size));
    if (this.#start === this.#end) {
      // Fresh memory costs page faults: a grown buffer is kept while large
      // frames keep coming, and given back once they have stopped.
      const large = this.#buffer.length > KEEP_BUFFER_SIZE;
      if ((large || this.#smallFrames >= SHRINK_AFTER_FRAMES) && this.#buffer.length > size) {
        this.#buffer = new Uint8Array(size);
        this.#smallFrames = 0;
      }
      this.#start = this.#end = 0;
    } else if (
      this.#start > 0 &&
      this.#buffer.length - this.#end < Math.min(MIN_READ, this.#buffer.length / 4)
    ) {
      // Only the tail of one unfinished frame moves, once: after this it
      // starts at 0 and fits, so copying stays linear in the bytes received.
      this.#moveTo(this.#buffer);
    }
    return this.#buffer.subarray(this.#end);
  }

  /**
   * Records `count` bytes written into the last {@linkcode space} and
   * returns the frames they completed, in order. The list, like the views
   * in it, is valid until the next `space()`.
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
      const head = this.#head;
      this.#large = null;
      this.#head = undefined;
      return [head ? new ReceivedBinaryFrame(head, frame) : frame];
    }
    this.#end += count;
    return this.#collect();
  }

  #collect(): readonly Uint8Array[] {
    const buffer = this.#buffer;
    // One array, reused: what a commit returns is valid until the next.
    const frames = this.#frames;
    frames.length = 0;
    while (this.#end - this.#start >= HEADER_SIZE) {
      const start = this.#start;
      const length = readLength(buffer, start);
      if (length > this.maxFrameSize) {
        const error = new FrameError(
          `Frame of ${length} bytes is over the ${this.maxFrameSize}-byte limit`,
        );
        if (frames.length === 0) throw error;
        this.#error = error;
        break;
      }
      const end = start + HEADER_SIZE + length;
      if (end <= this.#end) {
        frames.push(buffer.subarray(start + HEADER_SIZE, end));
        this.#start = end;
        if (HEADER_SIZE + length < buffer.length / 4) this.#smallFrames++;
        else this.#smallFrames = 0;
        continue;
      }
      // Unfinished: a large message's bytes into memory of their own; else,
      // too big for the buffer, into a bigger one (views handed out stay
      // intact in the old one), or one of its own.
      const bodyStart = start + HEADER_SIZE;
      const head = length >= OWN_ATTACHMENTS_FROM
        ? headBytesNeeded(buffer, bodyStart, this.#end)
        : Infinity;
      if (head < length && bodyStart + head <= this.#end) {
        this.#beginAttachments(length, head);
        break;
      }
      // A frame that may carry its bytes apart needs room only for its head,
      // until the head tells where they start.
      const needed = HEADER_SIZE + Math.min(length, head);
      if (needed > MAX_BUFFER_SIZE) this.#beginLarge(length);
      else if (needed > buffer.length) {
        // Doubling, so that growing is linear; never past what a frame may need.
        const most = Math.min(MAX_BUFFER_SIZE, HEADER_SIZE + this.maxFrameSize);
        this.#moveTo(new Uint8Array(Math.min(Math.max(needed, buffer.length * 2), most)));
      }
      break;
    }
    return frames;
  }

  /** Moves the unread bytes to the front of `target`, which becomes the buffer. */
  #moveTo(target: Uint8Array<ArrayBuffer>): void {
    if (target === this.#buffer) target.copyWithin(0, this.#start, this.#end);
    else target.set(this.#buffer.subarray(this.#start, this.#end));
    this.#end -= this.#start;
    this.#start = 0;
    this.#buffer = target;
  }

  /**
   * Leaves the head of a binary frame in the buffer and moves the start of
   * its attachments into memory of their own, where reads go on.
   */
  #beginAttachments(length: number, ownFrom: number): void {
    const bodyStart = this.#start + HEADER_SIZE;
    this.#head = this.#buffer.subarray(bodyStart, bodyStart + ownFrom);
    this.#large = new Uint8Array(length - ownFrom);
    this.#large.set(this.#buffer.subarray(bodyStart + ownFrom, this.#end));
    this.#largeFilled = this.#end - bodyStart - ownFrom;
    // The head stays intact: the buffer is not written again until the
    // attachments are complete.
    this.#start = this.#end = 0;
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

/** One frame: the length prefix of `payload`, then `payload`. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(HEADER_SIZE + payload.length);
  writeLength(frame, 0, payload.length);
  frame.set(payload, HEADER_SIZE);
  return frame;
}

/** Writes `length` as a big-endian unsigned 32-bit prefix at `at`. */
export function writeLength(bytes: Uint8Array, at: number, length: number): void {
  bytes[at] = length >>> 24;
  bytes[at + 1] = length >>> 16;
  bytes[at + 2] = length >>> 8;
  bytes[at + 3] = length;
}

/** Reads a big-endian unsigned 32-bit length at `at`. */
export function readLength(bytes: Uint8Array, at: number): number {
  return (bytes[at] * 0x100_0000) +
    ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
}
