/**
 * The Unix-domain-socket transport: one socket file per endpoint in the
 * cluster's private directory, length-prefixed frames on each connection.
 *
 * @module
 */

import { FrameDecoder, FrameEncoder } from "./frame.ts";
import type { Connection, Listener, Transport } from "./transport.ts";

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

  async listen(endpoint: string, maxFrameSize: number): Promise<Listener> {
    const path = this.path(endpoint);
    return new UnixListener(await listenUnix(path), path, maxFrameSize);
  }

  async connect(endpoint: string, maxFrameSize: number): Promise<Connection> {
    const path = this.path(endpoint);
    return new SocketConnection(
      await Deno.connect({ transport: "unix", path }),
      maxFrameSize,
    );
  }
}

/**
 * Frames over any Deno stream connection. Frames sent in one tick go out in
 * one write; while a write is under way, later frames gather for the next.
 */
export class SocketConnection implements Connection {
  readonly #conn: Deno.Conn;
  readonly #decoder: FrameDecoder;
  #queued = new FrameEncoder();
  #spare = new FrameEncoder();
  #inFlight = 0;
  #writing = false;
  #reading = false;
  #iterated = false;
  #state: "open" | "closing" | "closed" = "open";
  #reason: Error | undefined;
  readonly #closed = Promise.withResolvers<Error | undefined>();

  constructor(conn: Deno.Conn, maxFrameSize: number) {
    this.#conn = conn;
    this.#decoder = new FrameDecoder(maxFrameSize);
  }

  get maxFrameSize(): number {
    return this.#decoder.maxFrameSize;
  }

  set maxFrameSize(value: number) {
    this.#decoder.maxFrameSize = value;
  }

  get bufferedBytes(): number {
    return this.#queued.length + this.#inFlight;
  }

  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  send(payload: Uint8Array): boolean {
    if (this.#state !== "open") return false;
    this.#queued.append(payload);
    if (!this.#writing) {
      this.#writing = true;
      queueMicrotask(() => this.#flush());
    }
    return true;
  }

  close(reason?: Error): void {
    if (this.#state === "closed") return;
    if (this.#state === "open") {
      this.#state = "closing";
      this.#reason = reason;
    }
    if (reason !== undefined || !this.#writing) this.#finish(reason);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<readonly Uint8Array[]> {
    if (this.#iterated) throw new Error("A connection can be iterated once");
    this.#iterated = true;
    this.#reading = true;
    try {
      while (this.#state !== "closed") {
        const count = await this.#conn.read(this.#decoder.space());
        if (count === null) break;
        const frames = this.#decoder.commit(count);
        if (frames.length > 0) yield frames;
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
      while (this.#queued.length > 0 && this.#state !== "closed") {
        const batch = this.#queued;
        this.#queued = this.#spare;
        this.#spare = batch;
        this.#inFlight = batch.length;
        await writeAll(this.#conn, batch.bytes());
        this.#inFlight = 0;
        batch.clear();
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
    this.#reason ??= reason;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime.
    }
    if (!this.#reading) this.#closed.resolve(this.#reason);
  }
}

class UnixListener implements Listener {
  readonly #listener: Deno.Listener;
  readonly #path: string;
  readonly #maxFrameSize: number;
  #closed = false;

  constructor(listener: Deno.Listener, path: string, maxFrameSize: number) {
    this.#listener = listener;
    this.#path = path;
    this.#maxFrameSize = maxFrameSize;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Connection> {
    try {
      for await (const conn of this.#listener) {
        yield new SocketConnection(conn, this.#maxFrameSize);
      }
    } catch (error) {
      if (!this.#closed) throw error;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
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

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    written += await conn.write(bytes.subarray(written));
  }
}

function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
