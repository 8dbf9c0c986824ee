/**
 * `SocketConnection`: length-prefixed frames over one Deno stream
 * connection, with a send queue that batches what one tick sends.
 *
 * @module
 */

import { DrainWaiters } from "../drain_waiters.ts";
import { asError } from "../as_error.ts";
import { ClosedError, FrameError } from "../errors.ts";
import { encodeFrame, FrameDecoder, HEADER_SIZE } from "./frame.ts";
import { copyPayload } from "../payload_pieces.ts";
import { FrameQueue, letGoOfLent, unwrittenPayloads } from "./frame_queue.ts";
import { CLOSED, FULL, type Payload, TOO_LARGE } from "../transport.ts";

/**
 * Frames over any Deno stream connection. Frames sent in one tick go out in
 * one write; while a write is under way, later frames gather for the next.
 * Incoming payloads are pushed to one receiver rather than pulled: a read
 * loop that calls back costs no promise per batch.
 *
 * Made with {@linkcode SocketConnection.dial}, it is usable at once: it
 * writes its greeting as soon as the socket is open and holds what is sent
 * meanwhile until {@linkcode SocketConnection.admitted}.
 */
export class SocketConnection {
  /** The socket; undefined while it is still opening. */
  #conn: Deno.Conn | undefined;
  /** Settles once the socket is open, for a connection made while it opened. */
  readonly #opening: Promise<Deno.Conn> | undefined;
  /** Whether sends wait in the queue for `admitted()`. */
  #held: boolean;
  readonly #decoder: FrameDecoder;
  readonly #queue = new FrameQueue();
  /** Bytes taken from the queue and not yet written. */
  #inFlight = 0;
  readonly #drainWaiters = new DrainWaiters();
  #writing = false;
  /** Whether this end's writing side is shut (or being shut). */
  #writingEnded = false;
  #reading = false;
  #received = false;
  #state: "open" | "closing" | "closed" = "open";
  #reason: Error | undefined;
  readonly #closed = Promise.withResolvers<Error | undefined>();
  /** What was queued, never written whole, when it closed before it was admitted or as a write failed. */
  #unsent: Uint8Array[] = [];
  /** `#flush`, bound once rather than a closure per flush. */
  readonly #flushSoon = () => void this.#flush();

  /**
   * Connects to the socket at `path` in the background and writes
   * `greeting` first; sends wait until {@linkcode admitted}. If the socket
   * cannot be opened, the connection closes with the reason.
   */
  static dial(path: string, greeting: Payload, maxFrameSize: number): SocketConnection {
    // Framed now: the caller's bytes may be a view that changes by the time we connect.
    const frame = encodeFrame(copyPayload(greeting));
    return new SocketConnection(openAndGreet(path, frame), maxFrameSize);
  }

  /**
   * @param conn An open socket, or one still opening (then sends are held).
   * @param maxFrameSize The largest payload to accept; a peer declaring more is cut off.
   */
  constructor(conn: Deno.Conn | Promise<Deno.Conn>, maxFrameSize: number) {
    this.#decoder = new FrameDecoder(maxFrameSize);
    if (!(conn instanceof Promise)) {
      this.#conn = conn;
      this.#held = false;
      return;
    }
    this.#held = true;
    this.#opening = conn;
    conn.then((opened) => {
      if (this.#state === "closed") opened.close();
      else this.#conn = opened;
    }, (error) => this.#finish(asError(error)));
  }

  /** Lets the held payloads go: call once the far end accepted the greeting. */
  admitted(): void {
    if (!this.#held) return;
    this.#held = false;
    if (this.#queue.length > 0 && !this.#writing && this.#state !== "closed") {
      this.#writing = true;
      queueMicrotask(this.#flushSoon);
    }
  }

  /** The largest payload accepted; a peer declaring more is cut off. */
  get maxFrameSize(): number {
    return this.#decoder.maxFrameSize;
  }

  set maxFrameSize(value: number) {
    this.#decoder.maxFrameSize = value;
  }

  /** Whether the connection is closed (its `closed` may settle later, once reading stopped). */
  get isClosed(): boolean {
    return this.#state === "closed";
  }

  /** Bytes queued by `send` and not yet handed to the operating system. */
  get bufferedBytes(): number {
    return this.#queue.length + this.#inFlight;
  }

  /**
   * Settles once the connection is closed and its receiver has had every
   * payload, with the error that closed it, if any.
   */
  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  /**
   * Once closed before it was admitted, or as a write failed (the far end
   * was gone): the payloads sent on it and never written whole, in order
   * (taken: the next call gives none).
   */
  takeUnsent(): Uint8Array[] {
    const unsent = this.#unsent;
    this.#unsent = [];
    return unsent;
  }

  /** Resolves once at most `limit` bytes are queued, or the connection closed. */
  drained(limit: number): Promise<void> {
    if (this.#state === "closed") return Promise.resolve();
    return this.#drainWaiters.wait(this.bufferedBytes, limit);
  }

  /**
   * Queues one payload (bytes are copied, text encoded to UTF-8).
   *
   * @param limit Refuse it if the queue would then hold more bytes than this.
   * @param maxSize Refuse it if it is larger than this.
   * @returns Its size in bytes; `CLOSED` once closing, `FULL` if over
   * `limit`, `TOO_LARGE` if over `maxSize` (nothing queued).
   */
  send(payload: Payload, limit = Infinity, maxSize = Infinity): number {
    if (this.#state !== "open") return CLOSED;
    // Text is at least a byte a unit: refused early when that is too much
    // already, else measured by encoding it, and taken back if over.
    if (payload.length > maxSize) return TOO_LARGE;
    if (this.bufferedBytes + HEADER_SIZE + payload.length > limit) return FULL;
    const size = this.#queue.append(payload);
    if (this.bufferedBytes > limit || size > maxSize) {
      this.#queue.undoLast();
      return size > maxSize ? TOO_LARGE : FULL;
    }
    if (!this.#writing && !this.#held) {
      this.#writing = true;
      queueMicrotask(this.#flushSoon);
    }
    return size;
  }

  /**
   * Closes the connection: at once when `reason` is given. Else gracefully,
   * as TCP does: the queued payloads are written, then this end's writing
   * side is shut, and what the far end still sends is read and delivered
   * until it shuts its side too (which it does once it has read ours).
   * Idempotent.
   */
  close(reason?: Error): void {
    if (this.#state === "closed") return;
    if (reason !== undefined) return this.#finish(reason);
    this.#state = "closing";
    // A held queue goes out once admitted, like any other; the owner gives
    // up on a far end that never admits it by closing with a reason.
    const held = this.#held && this.#queue.length > 0;
    if (!this.#writing && !held) this.#endWriting();
  }

  /**
   * Starts delivering payloads, in order, in batches, to `receiver`; call
   * once. A payload is valid only during the call that delivers it. If the
   * receiver throws, the connection closes with that error.
   */
  receive(receiver: (payloads: readonly Uint8Array[]) => void): void {
    if (this.#received) throw new Error("A connection has one receiver");
    this.#received = true;
    this.#reading = true;
    this.#read(receiver);
  }

  async #read(receiver: (payloads: readonly Uint8Array[]) => void): Promise<void> {
    try {
      const conn = this.#conn ?? await this.#opening!;
      while (this.#state !== "closed") {
        const count = await conn.read(this.#decoder.space());
        if (count === null) {
          // The far end shut its side (or died) within a frame: what it began
          // never comes. Before, that was lost in silence.
          const cut = this.#decoder.buffered;
          if (cut > 0) {
            this.#finish(
              new FrameError(`its connection ended within a frame, ${cut} bytes into it`),
            );
          }
          break;
        }
        const payloads = this.#decoder.commit(count);
        if (payloads.length > 0) receiver(payloads);
      }
    } catch (error) {
      // A read failing because we closed the socket is no news.
      if (this.#state !== "closed") this.#finish(asError(error));
    } finally {
      this.#reading = false;
      this.#afterReading();
    }
  }

  /**
   * The far end has sent all it will. What is queued here still goes (it
   * reads until this end shuts too); a connection still held for its
   * welcome never will be admitted now.
   */
  #afterReading(): void {
    if (this.#state === "open") this.close();
    if (this.#held || this.#writingEnded) this.#finish(this.#reason);
    if (this.#state === "closed") this.#closed.resolve(this.#reason);
  }

  async #flush(): Promise<void> {
    // Where the write stands: chunks taken, the one being written, its bytes written.
    // `start`: the first chunk not released, where a frame begins (a frame
    // around a lent array goes on over chunks, released once it is written).
    let taken: { chunks: Uint8Array[]; fills: number[] } | undefined;
    let start = 0;
    let i = 0;
    let written = 0;
    try {
      const conn = this.#conn ?? await this.#opening!;
      while (this.#queue.length > 0 && this.#state !== "closed") {
        this.#inFlight = this.#queue.length;
        taken = this.#queue.take();
        const { chunks, fills } = taken;
        for (start = i = 0; i < chunks.length; i++) {
          for (written = 0; written < fills[i];) {
            const count = await conn.write(chunks[i].subarray(written, fills[i]));
            written += count;
            this.#inFlight -= count;
          }
          if (this.#queue.continues(chunks[i])) continue;
          for (; start <= i; start++) this.#queue.release(chunks[start]);
        }
        taken = undefined;
        this.#drainWaiters.update(this.bufferedBytes);
      }
    } catch (error) {
      if (taken && this.#state === "closed") letGoOfLent(taken.chunks, start);
      if (this.#state === "closed") return;
      // The far end is gone: what was never written whole never reached it,
      // and is kept for the owner to send again or report (a frame cut
      // short is no message to the far end). Lent arrays are copied, then let go of.
      if (taken) {
        this.#unsent = unwrittenPayloads(taken, start, i, written);
        letGoOfLent(taken.chunks, start);
      }
      this.#finish(asError(error));
    } finally {
      this.#writing = false;
      this.#inFlight = 0;
      if (this.#state === "closing") this.#endWriting();
    }
  }

  /** Everything queued is written: shuts this end's writing side. */
  #endWriting(): void {
    if (this.#writingEnded || this.#state === "closed") return;
    this.#writingEnded = true;
    const conn = this.#conn;
    // Still opening: nothing was written, and nothing is owed.
    if (conn === undefined || !this.#reading) return this.#finish(this.#reason);
    conn.closeWrite().catch(() => this.#finish(this.#reason));
  }

  #finish(reason: Error | undefined): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    // What was never written never will be: that is news, whoever closed.
    if (reason === undefined && this.#queue.length > 0) {
      reason = new ClosedError(`Closed with ${this.#queue.length} bytes unsent`);
    }
    this.#reason ??= reason;
    try {
      this.#conn?.close();
    } catch {
      // Already closed by the runtime.
    }
    // What was never written never will be: the queue is emptied, kept
    // when held (nothing of it went) for the owner to send elsewhere.
    if (this.#held || this.#unsent.length > 0) this.#unsent.push(...this.#queue.takePayloads());
    else this.#queue.discard();
    this.#inFlight = 0;
    this.#drainWaiters.releaseAll();
    if (!this.#reading) this.#closed.resolve(this.#reason);
  }
}

/** Connects to `path` and writes the greeting frame. */
async function openAndGreet(path: string, greeting: Uint8Array): Promise<Deno.Conn> {
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    for (let written = 0; written < greeting.length;) {
      written += await conn.write(greeting.subarray(written));
    }
  } catch (error) {
    conn.close();
    throw error;
  }
  return conn;
}
