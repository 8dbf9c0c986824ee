/**
 * The Unix-domain-socket transport: one socket file per endpoint in the
 * cluster's private directory, length-prefixed frames on each connection.
 *
 * @module
 */

import { DrainWaiters } from "./drain_waiters.ts";
import { ClosedError } from "./errors.ts";
import { encodeFrame, FrameDecoder, HEADER_SIZE } from "./frame.ts";
import { FrameQueue } from "./frame_queue.ts";
import {
  type Acceptor,
  CLOSED,
  type Connection,
  type DialedConnection,
  FULL,
  type Payload,
  type Transport,
} from "./transport.ts";

/** Listens and connects at `<dir>/<endpoint>.sock`. */
export class UnixTransport implements Transport {
  /** The directory holding the socket files. */
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The socket file of an endpoint. */
  path(endpoint: string): string {
    return `${this.dir}/${endpoint}.sock`;
  }

  async listen(
    endpoint: string,
    maxFrameSize: number,
    onError: (error: Error) => void,
  ): Promise<Acceptor> {
    const path = this.path(endpoint);
    return new UnixAcceptor(await listenUnix(path), path, maxFrameSize, onError);
  }

  dial(endpoint: string, maxFrameSize: number, greeting: Payload): DialedConnection {
    // Framed now: the caller's bytes may be a view that changes by the time we connect.
    const frame = encodeFrame(typeof greeting === "string" ? utf8.encode(greeting) : greeting);
    return new SocketConnection(openAndGreet(this.path(endpoint), frame), maxFrameSize);
  }
}

const utf8 = new TextEncoder();

/** Connects to `path` and writes the greeting frame. */
async function openAndGreet(path: string, greeting: Uint8Array): Promise<Deno.Conn> {
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    await writeAll(conn, greeting);
  } catch (error) {
    conn.close();
    throw error;
  }
  return conn;
}

/**
 * Writes all of `bytes`, however short the writes. `#flush` keeps its own
 * loop: calling this would cost it one more promise per flush.
 */
async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await conn.write(bytes.subarray(written));
  }
}

/**
 * Frames over any Deno stream connection. Frames sent in one tick go out in
 * one write; while a write is under way, later frames gather for the next.
 *
 * Made with a socket still opening (see {@linkcode UnixTransport.dial}), it
 * holds what is sent until {@linkcode SocketConnection.admitted}.
 */
export class SocketConnection implements DialedConnection {
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
  #reading = false;
  #received = false;
  #state: "open" | "closing" | "closed" = "open";
  #reason: Error | undefined;
  readonly #closed = Promise.withResolvers<Error | undefined>();
  /** `#flush`, bound once rather than a closure per flush. */
  readonly #flushSoon = () => void this.#flush();

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

  admitted(): void {
    if (!this.#held) return;
    this.#held = false;
    if (this.#queue.length > 0 && !this.#writing && this.#state !== "closed") {
      this.#writing = true;
      queueMicrotask(this.#flushSoon);
    }
  }

  get maxFrameSize(): number {
    return this.#decoder.maxFrameSize;
  }

  set maxFrameSize(value: number) {
    this.#decoder.maxFrameSize = value;
  }

  get bufferedBytes(): number {
    return this.#queue.length + this.#inFlight;
  }

  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  drained(limit: number): Promise<void> {
    if (this.#state === "closed") return Promise.resolve();
    return this.#drainWaiters.wait(this.bufferedBytes, limit);
  }

  send(payload: Payload, limit = Infinity): number {
    if (this.#state !== "open") return CLOSED;
    // Text is at least a byte a unit: refused early when that is too much
    // already, else measured by encoding it, and taken back if over.
    if (this.bufferedBytes + HEADER_SIZE + payload.length > limit) return FULL;
    const size = this.#queue.append(payload);
    if (this.bufferedBytes > limit) {
      this.#queue.undoLast();
      return FULL;
    }
    if (!this.#writing && !this.#held) {
      this.#writing = true;
      queueMicrotask(this.#flushSoon);
    }
    return size;
  }

  close(reason?: Error): void {
    if (this.#state === "closed") return;
    if (this.#state === "open") {
      this.#state = "closing";
      this.#reason = reason;
    }
    // A held queue goes out once admitted, like any other; the owner gives
    // up on a far end that never admits it by closing with a reason.
    const held = this.#held && this.#queue.length > 0;
    if (reason !== undefined || (!this.#writing && !held)) this.#finish(reason);
  }

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
        if (count === null) break;
        const payloads = this.#decoder.commit(count);
        if (payloads.length > 0) receiver(payloads);
      }
    } catch (error) {
      // A read failing because we closed the socket is no news.
      if (this.#state !== "closed") this.#finish(asError(error));
    } finally {
      this.#reading = false;
      this.#finish(undefined);
      this.#closed.resolve(this.#reason);
    }
  }

  async #flush(): Promise<void> {
    try {
      const conn = this.#conn ?? await this.#opening!;
      while (this.#queue.length > 0 && this.#state !== "closed") {
        this.#inFlight = this.#queue.length;
        const { chunks, fills } = this.#queue.take();
        for (let i = 0; i < chunks.length; i++) {
          for (let written = 0; written < fills[i];) {
            const count = await conn.write(chunks[i].subarray(written, fills[i]));
            written += count;
            this.#inFlight -= count;
          }
          this.#queue.release(chunks[i]);
        }
        this.#drainWaiters.update(this.bufferedBytes);
      }
    } catch (error) {
      if (this.#state !== "closed") this.#finish(asError(error));
    } finally {
      this.#writing = false;
      this.#inFlight = 0;
      if (this.#state === "closing") this.#finish(this.#reason);
    }
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
    // What was never written never will be: the queue is emptied.
    this.#queue.take();
    this.#inFlight = 0;
    this.#drainWaiters.releaseAll();
    if (!this.#reading) this.#closed.resolve(this.#reason);
  }
}

/** The first pause after a failed accept, in ms; doubled up to a second. */
const ACCEPT_RETRY = 10;

class UnixAcceptor implements Acceptor {
  readonly #listener: Deno.Listener;
  readonly #path: string;
  readonly #maxFrameSize: number;
  readonly #onError: (error: Error) => void;
  #closed = false;
  #pause: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | undefined;

  constructor(
    listener: Deno.Listener,
    path: string,
    maxFrameSize: number,
    onError: (error: Error) => void,
  ) {
    this.#listener = listener;
    this.#path = path;
    this.#maxFrameSize = maxFrameSize;
    this.#onError = onError;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Connection> {
    let retry = ACCEPT_RETRY;
    while (!this.#closed) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) return;
        // E.g. out of file descriptors: the listener is fine, try again soon.
        this.#onError(asError(error));
        await this.#sleep(retry);
        retry = Math.min(retry * 2, 1000);
        continue;
      }
      retry = ACCEPT_RETRY;
      yield new SocketConnection(conn, this.#maxFrameSize);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pause) {
      clearTimeout(this.#pause.timer);
      this.#pause.resolve();
    }
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    // The runtime removes the file once the listener is dropped, which may
    // be after the process has exited: remove it now.
    try {
      Deno.removeSync(this.#path);
    } catch {
      // Already removed.
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#pause = { timer: setTimeout(resolve, ms), resolve };
    }).then(() => this.#pause = undefined);
  }
}

/**
 * Listens at `path`, first removing a socket file a dead process left behind
 * (a live listener there is an error).
 */
async function listenUnix(path: string): Promise<Deno.Listener> {
  try {
    return Deno.listen({ transport: "unix", path });
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    if (await isListening(path)) {
      throw new Deno.errors.AddrInUse(
        `Cannot listen at ${path}: another process is listening there`,
      );
    }
    await Deno.remove(path);
    return Deno.listen({ transport: "unix", path });
  }
}

async function isListening(path: string): Promise<boolean> {
  try {
    (await Deno.connect({ transport: "unix", path })).close();
    return true;
  } catch {
    return false;
  }
}

function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
