/**
 * A manager played by hand, for tests of a child in another language at
 * the level of its frames: it listens at `m.sock` in a directory of its
 * own, starts the child with the bootstrap a test gives, admits its
 * `$hello`, gives it the go-ahead, and then reads and writes frames on
 * its connection as the test says.
 */

import { Buffer } from "node:buffer";
import assert from "node:assert/strict";
import { decodeMessage, type WireMessage } from "../src/codec.ts";
import { frame, FrameReader } from "../peers/node/frames.mjs";
import { waitFor } from "./helpers.ts";

/** What the test gives the child, beside the socket directory and token the manager makes. */
export type Bootstrap = (transport: { dir: string; token: string }) => Record<string, unknown>;

/**
 * The bootstrap a manager of this version gives `self`, in a cluster of
 * `workers` and `services` on this host; `spanning` adds worker 7 on host
 * "b", reached through the manager played here, which relays at most 64
 * KiB.
 */
export function bootstrapOf(
  self: number | string,
  { workers = [], services = [], spanning = false }: {
    workers?: number[];
    services?: string[];
    spanning?: boolean;
  },
): Bootstrap {
  return ({ dir, token }) => ({
    version: 2,
    self,
    workers: spanning ? [...workers, 7] : workers,
    services,
    managers: spanning ? ["manager@b"] : [],
    maxFrameSize: 1024 * 1024,
    requestTimeout: 10_000,
    highWaterMark: 1024 * 1024,
    maxQueuedBytes: 64 * 1024 * 1024,
    transport: {
      dir,
      token,
      workers,
      services,
      ...(spanning ? { gateway: { maxPayload: 64 * 1024, limit: "the test's limit" } } : {}),
    },
  });
}

/** The manager end of one child's connection. */
export class FakeManager implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  /** The socket directory, where the child listens too. */
  readonly dir: string;
  /** The cluster's token, as the child's bootstrap carries it. */
  readonly token: string;
  readonly #dir: string;
  readonly #listener: Deno.UnixListener;
  readonly #conn: Deno.UnixConn;
  /** Payloads read and not yet taken, in order. */
  readonly #payloads: Uint8Array[] = [];
  #arrived: (() => void) | undefined;
  #ended = false;
  readonly #reading: Promise<void>;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(
    dir: string,
    token: string,
    listener: Deno.UnixListener,
    conn: Deno.UnixConn,
    child: Deno.ChildProcess,
  ) {
    this.dir = dir;
    this.token = token;
    this.#dir = dir;
    this.#listener = listener;
    this.#conn = conn;
    this.child = child;
    this.#reading = this.#read(conn);
  }

  /**
   * Starts `command` as a child, with the bootstrap on its stdin, and
   * waits until it has joined and sent `$running`. Its stdout is dropped
   * unless `stdout` is "piped": then the test reads `child.stdout`.
   */
  static async start(
    command: string[],
    bootstrap: Bootstrap,
    stdout: "null" | "piped" = "null",
  ): Promise<FakeManager> {
    // Not "switchboard-": managers starting on this machine probe those
    // directories' `m.sock` for stale ones, and a probe would be accepted here.
    const dir = await Deno.makeTempDir({ prefix: "fake-manager-" });
    const token = crypto.randomUUID();
    const listener = Deno.listen({ transport: "unix", path: `${dir}/m.sock` });
    const child = new Deno.Command(command[0], {
      args: command.slice(1),
      stdin: "piped",
      stdout,
      stderr: "inherit",
    }).spawn();
    const stdin = child.stdin.getWriter();
    let conn: Deno.UnixConn;
    try {
      await stdin.write(new TextEncoder().encode(`${JSON.stringify(bootstrap({ dir, token }))}\n`));
      conn = await waitFor(listener.accept(), "the child to dial the manager");
    } catch (error) {
      listener.close();
      await stdin.close().catch(() => {});
      child.kill("SIGKILL");
      await child.status;
      throw error;
    }
    // Kept until the end: closed, it takes its socket file away, and Node
    // may not have seen its connection complete yet (it then fails, ENOENT).
    const manager = new FakeManager(dir, token, listener, conn, child);
    try {
      const hello = await manager.nextMessage();
      assert.equal(hello.action, "$hello");
      assert.equal((hello.data as { token: string }).token, token);
      manager.send({ action: "$welcome", data: {} });
      assert.equal((await manager.nextMessage()).action, "$ready");
      await stdin.write(new TextEncoder().encode("."));
      await stdin.close();
      assert.equal((await manager.nextMessage()).action, "$running");
    } catch (error) {
      await stdin.close().catch(() => {});
      await manager[Symbol.asyncDispose]();
      throw error;
    }
    return manager;
  }

  /**
   * Starts the Deno module `worker` as worker 0 of a cluster of one, with
   * the permissions a manager gives a child, its sockets' directory being
   * in /tmp. `spanning` makes the cluster span hosts: worker 7 on host "b",
   * reached through the manager played here.
   */
  static startWorker(
    worker: URL,
    stdout: "null" | "piped" = "null",
    { spanning = false }: { spanning?: boolean } = {},
  ): Promise<FakeManager> {
    return FakeManager.start(
      [
        Deno.execPath(),
        "run",
        "--allow-read=/tmp",
        "--allow-write=/tmp",
        "--allow-net",
        worker.href,
      ],
      bootstrapOf(0, { workers: [0], spanning }),
      stdout,
    );
  }

  /**
   * Dials the child's socket as its sibling `from` would, with the
   * cluster's token, and waits for its `$welcome`: the connection is then
   * the test's to write frames on.
   */
  async dialChild(from: number | string, socket = "w0.sock"): Promise<Deno.UnixConn> {
    const conn = await Deno.connect({ transport: "unix", path: `${this.dir}/${socket}` });
    try {
      const hello = { action: "$hello", data: { from, token: this.token } };
      await conn.write(frame(new TextEncoder().encode(JSON.stringify(hello))));
      const reader = new FrameReader(Infinity);
      const buffer = new Uint8Array(1024);
      const welcome = waitFor(
        (async () => {
          for (;;) {
            const count = await conn.read(buffer);
            if (count === null) throw new Error(`The child refused a connection from ${from}`);
            const [payload] = reader.push(Buffer.from(buffer.subarray(0, count)));
            if (payload) return decodeMessage(payload, "the child");
          }
        })(),
        "the child's $welcome",
      );
      assert.equal((await welcome).action, "$welcome");
    } catch (error) {
      conn.close();
      throw error;
    }
    return conn;
  }

  /** Sends a message, or a payload as it is; sent in order, each framed. */
  send(message: WireMessage | Uint8Array): void {
    const payload = message instanceof Uint8Array
      ? message
      : new TextEncoder().encode(JSON.stringify(message));
    this.sendFramed(frame(payload));
  }

  /** Sends bytes already framed: several frames in one write, say. */
  sendFramed(bytes: Uint8Array): void {
    this.#writing = this.#writing.then(async () => {
      for (let at = 0; at < bytes.length;) at += await this.#conn.write(bytes.subarray(at));
    });
  }

  /** The next payload the child sends. */
  async next(): Promise<Uint8Array> {
    await waitFor(
      new Promise<void>((resolve) => {
        // A read may end within a frame: woken again by the rest.
        this.#arrived = () => (this.#payloads.length > 0 || this.#ended) && resolve();
        this.#arrived();
      }),
      "a frame from the child",
    );
    const payload = this.#payloads.shift();
    if (!payload) throw new Error("The child closed its end before sending another frame");
    return payload;
  }

  /** The next payload the child sends, read as a message. */
  async nextMessage(): Promise<WireMessage> {
    return decodeMessage(await this.next(), "the child");
  }

  /** The data of the next `count` messages the child sends with `messageId`; others are passed over. */
  async dataOf(messageId: string, count: number): Promise<unknown[]> {
    const found: unknown[] = [];
    while (found.length < count) {
      const message = await this.nextMessage();
      if (message.messageId === messageId) found.push(message.data);
    }
    return found;
  }

  /** Resolves once the child has shut its writing side, with what it sent before unread. */
  async ended(): Promise<void> {
    await waitFor(
      new Promise<void>((resolve) => {
        this.#arrived = () => this.#ended && resolve();
        this.#arrived();
      }),
      "the child to close its end",
    );
  }

  /** Closes the manager's end, once what was sent is written. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writing.catch(() => {});
    this.#conn.close();
    this.#listener.close();
    await this.#reading;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
    try {
      this.child.kill("SIGKILL");
    } catch {
      // It has exited.
    }
    await this.child.status;
    await Deno.remove(this.#dir, { recursive: true });
  }

  async #read(conn: Deno.UnixConn): Promise<void> {
    const reader = new FrameReader(Infinity);
    // Read by hand, not through `conn.readable`, which closes the
    // connection at the end of the stream: the child's half-close leaves
    // this side to write on.
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const count = await conn.read(buffer);
        if (count === null) break;
        this.#payloads.push(...reader.push(Buffer.from(buffer.subarray(0, count))));
        this.#arrived?.();
      }
    } catch {
      // Closed by this end.
    }
    this.#ended = true;
    this.#arrived?.();
  }
}

/** Writes `bytes`, shuts the writing side, and reads until the other end closes. */
export async function writeAndEnd(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  try {
    for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
    await conn.closeWrite();
    while (await conn.read(new Uint8Array(1024)) !== null);
  } catch {
    // Reset by the other end: closed just the same.
  } finally {
    conn.close();
  }
}
