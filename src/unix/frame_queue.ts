/**
 * The send queue of one connection: frames (length prefix and payload) in
 * chunks, written out in order. Frames queued in one tick share a chunk,
 * so one write carries many; a backlog adds chunks instead of growing and
 * copying one buffer. Written chunks are reused while a backlog lasts, as
 * fresh memory costs page faults on every first touch; once the queue is
 * empty, the pool keeps at most 8 MiB, its largest chunks first. A lent
 * array (src/lending.ts) is queued by reference as a chunk of its own, its
 * frame's other bytes copied around it, and let go of once written.
 *
 * @module
 */

import { hold, isLent, letGo } from "../lending.ts";
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
  /** Chunks whose last frame goes on in the next chunk (around a lent array). */
  #continued = new WeakSet<Uint8Array>();
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
    } else if (isPieces(payload) && payload.pieces.some(isLent)) {
      return this.#appendLent(payload.pieces, payload.length);
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

  /**
   * A frame whose pieces include lent arrays: the others copied as usual,
   * each lent one queued by reference as a chunk of its own (a view of its
   * own, so that one array twice in a frame is two chunks).
   */
  #appendLent(pieces: readonly Uint8Array[], length: number): number {
    if (length > MAX_LENGTH) throw new RangeError(`Payload of ${length} bytes cannot be framed`);
    let [chunk, at] = this.#room(HEADER_SIZE + copiedUntilLent(pieces, 0));
    writeLength(chunk, at, length);
    at += HEADER_SIZE;
    this.#fills[this.#fills.length - 1] = at;
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (isLent(piece)) {
        this.#continued.add(this.#chunks[this.#chunks.length - 1]);
        const own = piece.subarray(0);
        hold(own);
        this.#chunks.push(own);
        this.#fills.push(own.length);
        const rest = copiedUntilLent(pieces, i + 1);
        if (i + 1 < pieces.length) this.#continued.add(own);
        if (rest > 0) [chunk, at] = this.#room(rest);
      } else {
        chunk.set(piece, at);
        at += piece.length;
        this.#fills[this.#fills.length - 1] = at;
      }
    }
    this.#queued += HEADER_SIZE + length;
    return length;
  }

  /** Whether a chunk's last frame goes on in the next chunk: release it with that one. */
  continues(chunk: Uint8Array): boolean {
    return this.#continued.has(chunk);
  }

  /** Takes back the last frame appended, if nothing was taken since. */
  undoLast(): void {
    while (this.#chunks.length > this.#chunksBefore) {
      this.release(this.#chunks.pop()!);
      this.#fills.pop();
    }
    if (this.#chunksBefore > 0) {
      this.#fills[this.#chunksBefore - 1] = this.#fillBefore;
      this.#continued.delete(this.#chunks[this.#chunksBefore - 1]);
    }
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
    const taken = this.take();
    const payloads = unwrittenPayloads(taken, 0, 0, 0);
    letGoOfLent(taken.chunks, 0);
    return payloads;
  }

  /** Drops every frame queued, letting go of lent arrays. */
  discard(): void {
    letGoOfLent(this.take().chunks, 0);
  }

  /** Gives a written chunk back for reuse (a lent array: let go of). */
  release(chunk: Uint8Array): void {
    this.#continued.delete(chunk);
    if (isLent(chunk)) {
      letGo(chunk);
      if (this.#queued === 0) this.#trim();
      return;
    }
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

/** The bytes of the pieces from `from` up to the next lent one. */
function copiedUntilLent(pieces: readonly Uint8Array[], from: number): number {
  let bytes = 0;
  for (let i = from; i < pieces.length && !isLent(pieces[i]); i++) bytes += pieces[i].length;
  return bytes;
}

/** Lets go of the lent arrays among `chunks` from index `from` (taken, never to be released). */
export function letGoOfLent(chunks: readonly Uint8Array[], from: number): void {
  for (let i = from; i < chunks.length; i++) if (isLent(chunks[i])) letGo(chunks[i]);
}

/**
 * The payloads of taken chunks, read from chunk `start` (where a frame
 * begins), copied, in order, leaving out those written whole before byte
 * `written` of chunk `cut`. A frame's prefix is in one chunk; its payload
 * may go on over the next ones (around a lent array).
 */
export function unwrittenPayloads(
  taken: { chunks: Uint8Array[]; fills: number[] },
  start: number,
  cut: number,
  written: number,
): Uint8Array[] {
  const { chunks, fills } = taken;
  const payloads: Uint8Array[] = [];
  let i = start;
  let at = 0;
  while (true) {
    while (i < chunks.length && at >= fills[i]) [i, at] = [i + 1, 0];
    if (i >= chunks.length) return payloads;
    const payload = new Uint8Array(readLength(chunks[i], at));
    at += HEADER_SIZE;
    for (let filled = 0; filled < payload.length;) {
      while (at >= fills[i]) [i, at] = [i + 1, 0];
      const part = chunks[i].subarray(at, Math.min(fills[i], at + payload.length - filled));
      payload.set(part, filled);
      filled += part.length;
      at += part.length;
    }
    if (i > cut || (i === cut && at > written)) payloads.push(payload);
  }
}
