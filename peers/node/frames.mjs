/**
 * Frames on a socket: each is a 4-byte unsigned big-endian length, then
 * that many bytes of payload (README "Protocol", Frames). A socket's reads
 * end anywhere: a frame may come in many pieces, and one read may hold the
 * end of one frame, several whole ones and the start of the next.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { FrameError } from "./errors.mjs";

/** The length in front of every payload, in bytes. */
export const HEADER_SIZE = 4;

/**
 * A payload with its length in front, ready to write.
 *
 * @param {Uint8Array} payload
 * @returns {Buffer}
 */
export function frame(payload) {
  const framed = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  framed.writeUInt32BE(payload.length, 0);
  framed.set(payload, HEADER_SIZE);
  return framed;
}

/** Cuts the payloads out of one socket's chunks, as they come. */
export class FrameReader {
  /** @type {Buffer[]} Bytes read and not yet taken, in order. */
  #chunks = [];
  #buffered = 0;
  /** @type {number | undefined} The length of the payload being read, once its header came. */
  #expected;

  /**
   * @param {number} limit The largest payload accepted; a larger one is an
   * error (the connection is then closed), not a reason to buffer forever.
   */
  constructor(limit) {
    /** The largest payload accepted; raised once a connection is admitted. */
    this.limit = limit;
  }

  /**
   * Bytes of a frame begun and not yet complete, its length prefix
   * counted: what a connection that ends now loses.
   *
   * @returns {number}
   */
  get pending() {
    return this.#buffered + (this.#expected === undefined ? 0 : HEADER_SIZE);
  }

  /**
   * Takes the next chunk of the stream.
   *
   * @param {Buffer} chunk
   * @returns {Buffer[]} The payloads it completes, in order (often none).
   * @throws {FrameError} When a frame announces more than `limit` bytes.
   */
  push(chunk) {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const payloads = [];
    for (;;) {
      if (this.#expected === undefined) {
        if (this.#buffered < HEADER_SIZE) break;
        const length = this.#take(HEADER_SIZE).readUInt32BE(0);
        if (length > this.limit) {
          throw new FrameError(`a frame of ${length} bytes is over the limit of ${this.limit}`);
        }
        this.#expected = length;
      }
      if (this.#buffered < this.#expected) break;
      payloads.push(this.#take(this.#expected));
      this.#expected = undefined;
    }
    return payloads;
  }

  /**
   * The next `count` bytes: a view when one chunk holds them, else a copy
   * of the pieces, so a large frame is copied once, not once per chunk.
   *
   * @param {number} count
   * @returns {Buffer}
   */
  #take(count) {
    this.#buffered -= count;
    const first = this.#chunks[0];
    if (count === 0) return Buffer.alloc(0);
    if (first.length >= count) {
      if (first.length === count) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(count);
      return first.subarray(0, count);
    }
    const bytes = Buffer.allocUnsafe(count);
    let at = 0;
    while (at < count) {
      const chunk = this.#chunks[0];
      const part = Math.min(chunk.length, count - at);
      chunk.copy(bytes, at, 0, part);
      at += part;
      if (part === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(part);
    }
    return bytes;
  }
}
