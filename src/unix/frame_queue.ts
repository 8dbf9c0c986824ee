/**
 * The send queue of one connection: frames (length prefix and payload) in
 * chunks, written out in order. Frames queued in one tick share a chunk,
 * so one write carries many; a backlog adds chunks instead of growing and
 * copying one buffer. Written chunks are reused while a backlog lasts, as
 * fresh memory costs page faults on every first touch; once the queue is
 * empty, the pool keeps at most 8 MiB, its largest chunks first.
 *
 * @module
 */

import { isPieces, writePieces } from "../payload_pieces.ts";
import type { Payload } from "../transport.ts";
import { HEADER_SIZE, MAX_LENGTH, readLength, writeLength } from "./frame.ts";

/** The usual chunk: many small frames, one socket write. */
const CHUNK_SIZE = 64 * 1024;
/** Written chunks kept for reuse while a backlog lasts, in bytes at most. */
const POOL_LIMIT = 64 * 1024 * 1024;
/** Written chunks kept once the queue is empty, in bytes at most. */
const IDLE_POOL_LIMIT = 8 * 1024 * 1024;

const utf8 = new TextEncoder();

/** Frames waiting to be written, in chunks. */
export class FrameQueue {
  /** Chunks being filled, oldest first; only the last has room left. */
  #chunks: Uint8Array[] = [];
  /** Bytes used in each chunk. */
  #fills: number[] = [];
  #queued = 0;
  #pool: Uint8Array[] = [];
  #pooled = 0;
  /** The state before the last append, for {@linkcode FrameQueue.undoLast}. */
  #chunksBefore = 0;
  #fillBefore = 0;
  #queuedBefore = 0;

  /** Bytes queued. */
  get length(): number {
    return this.#queued;
  }

  /**
   * Appends one frame carrying `payload`: bytes are copied (pieces back to
   * back), text is encoded to UTF-8 straight behind the prefix.
   *
   * @returns The payload's size in bytes.
   * @throws {RangeError} When the payload is longer than a prefix can say.
   */
  append(payload: Payload): number {
    const chunks = this.#chunks.length;
    this.#chunksBefore = chunks;
    this.#fillBefore = chunks > 0 ? this.#fills[chunks - 1] : 0;
    this.#queuedBefore = this.#queued;
    let chunk: Uint8Array;
    let at: number;
    let length: number;
    if (typeof payload === "string") {
      // First as if ASCII, a byte a unit; if that runs out of room, with
      // room for the worst case, three bytes a unit.
      [chunk, at] = this.#room(HEADER_SIZE + payload.length);
      const first = utf8.encodeInto(payload, chunk.subarray(at + HEADER_SIZE));
      if (first.read < payload.length) {
        [chunk, at] = this.#room(HEADER_SIZE + payload.length * 3);
        length = utf8.encodeInto(payload, chunk.subarray(at + HEADER_SIZE)).written;
      } else {
        length = first.written;
      }
    } else {
      [chunk, at] = this.#room(HEADER_SIZE + payload.length);
      if (isPieces(payload)) writePieces(payload, chunk, at + HEADER_SIZE);
      else chunk.set(payload, at + HEADER_SIZE);
      length = payload.length;
    }
    if (length > MAX_LENGTH) throw new RangeError(`Payload of ${length} bytes cannot be framed`);
    writeLength(chunk, at, length);
    this.#fills[this.#fills.length - 1] = at + HEADER_SIZE + length;
    this.#queued += HEADER_SIZE + length;
    return length;
  }

  /** Takes back the last frame appended, if nothing was taken since. */
  undoLast(): void {
    while (this.#chunks.length > this.#chunksBefore) {
      this.release(this.#chunks.pop()!);
      this.#fills.pop();
    }
    if (this.#chunksBefore > 0) this.#fills[this.#chunksBefore - 1] = this.#fillBefore;
    this.#queued = this.#queuedBefore;
  }

  /**
   * Takes every frame queued: chunks to write in order, each up to its
   * fill. Hand each chunk back with {@linkcode FrameQueue.release} once
   * written.
   */
  take(): { chunks: Uint8Array[]; fills: number[] } {
    const taken = { chunks: this.#chunks, fills: this.#fills };
    this.#chunks = [];
    this.#fills = [];
    this.#queued = 0;
    this.#chunksBefore = this.#fillBefore = this.#queuedBefore = 0;
    return taken;
  }

  /**
   * Takes every frame queued, as copies of their payloads, in order: what
   * a connection that never wrote them can give back to be sent again.
   */
  takePayloads(): Uint8Array[] {
    const { chunks, fills } = this.take();
    const payloads: Uint8Array[] = [];
    for (let i = 0; i < chunks.length; i++) {
      for (let at = 0; at < fills[i];) {
        const end = at + HEADER_SIZE + readLength(chunks[i], at);
        payloads.push(chunks[i].slice(at + HEADER_SIZE, end));
        at = end;
      }
    }
    return payloads;
  }

  /** Gives a written chunk back for reuse. */
  release(chunk: Uint8Array): void {
    if (this.#pooled + chunk.length <= POOL_LIMIT) {
      this.#pool.push(chunk);
      this.#pooled += chunk.length;
    }
    if (this.#queued === 0) this.#trim();
  }

  /** Keeps the largest chunks that fit IDLE_POOL_LIMIT: enough for the next burst to start. */
  #trim(): void {
    if (this.#pooled <= IDLE_POOL_LIMIT) return;
    const kept: Uint8Array[] = [];
    let pooled = 0;
    for (const chunk of this.#pool.sort((a, b) => b.length - a.length)) {
      if (pooled + chunk.length > IDLE_POOL_LIMIT) continue;
      kept.push(chunk);
      pooled += chunk.length;
    }
    this.#pool = kept;
    this.#pooled = pooled;
  }

  /**
   * Room for `size` bytes: behind the frames in the last chunk if it has
   * it, else at the start of a new chunk, from the pool when one is big
   * enough. A last chunk still empty is traded in, not left behind.
   */
  #room(size: number): [Uint8Array, number] {
    const last = this.#chunks.length - 1;
    if (last >= 0) {
      const fill = this.#fills[last];
      if (this.#chunks[last].length - fill >= size) return [this.#chunks[last], fill];
      if (fill === 0) {
        this.release(this.#chunks.pop()!);
        this.#fills.pop();
      }
    }
    // The smallest pooled chunk that fits, so large ones stay for large frames.
    let index = -1;
    for (let i = 0; i < this.#pool.length; i++) {
      const length = this.#pool[i].length;
      if (length >= size && (index === -1 || length < this.#pool[index].length)) index = i;
    }
    let chunk: Uint8Array;
    if (index === -1) {
      chunk = new Uint8Array(Math.max(CHUNK_SIZE, size));
    } else {
      chunk = this.#pool[index];
      this.#pool.splice(index, 1);
      this.#pooled -= chunk.length;
    }
    this.#chunks.push(chunk);
    this.#fills.push(0);
    return [chunk, 0];
  }
}
