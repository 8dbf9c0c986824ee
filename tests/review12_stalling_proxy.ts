/**
 * A TCP proxy in front of a NATS server that can stall what its clients
 * send (held, not forwarded), as a network path that stops carrying one
 * way does: the client's pings go unanswered, it takes the connection for
 * dead, closes it and connects again (through the proxy, not stalled).
 * What was held can then reach the server late, on the old connection, as
 * data a closed socket still had on its way does.
 */

const CRLF = "\r\n";

interface Link {
  up: Deno.Conn;
  stalled: Uint8Array[] | undefined;
  /** Settles once the server answered a PING sent after what was held (see `deliverHeld`). */
  pong: PromiseWithResolvers<void> | undefined;
  /** The PONGs still to come before that one. */
  pongs: number;
  done: Promise<void>;
}

/** A proxy to `127.0.0.1:upstream`. */
export class StallingProxy {
  readonly port: number;
  readonly #listener: Deno.Listener;
  readonly #links = new Set<Link>();
  readonly #conns = new Set<Deno.Conn>();
  readonly #accepting: Promise<void>;

  constructor(upstream: number) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#listener = listener;
    this.port = (listener.addr as Deno.NetAddr).port;
    this.#accepting = (async () => {
      for await (const conn of listener) this.#pair(conn, upstream);
    })().catch(() => {});
  }

  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Holds what the clients connected now send, from now on. */
  stall(): void {
    for (const link of this.#links) link.stalled ??= [];
  }

  /**
   * Sends what was held to the server, on the connection it was held
   * from, then a PING; resolves once the server answered it: it has
   * handled all that was held (routed what it published).
   */
  async deliverHeld(): Promise<void> {
    for (const link of this.#links) {
      if (!link.stalled) continue;
      const held = link.stalled;
      link.stalled = undefined;
      link.pong = Promise.withResolvers<void>();
      // The client's own PINGs among what was held are answered first.
      const text = new TextDecoder().decode(concat(held));
      link.pongs = text.split(`PING${CRLF}`).length;
      for (const chunk of held) await writeAll(link.up, chunk);
      await writeAll(link.up, new TextEncoder().encode(`PING${CRLF}`));
      await link.pong.promise;
    }
  }

  async close(): Promise<void> {
    this.#listener.close();
    await this.#accepting;
    for (const conn of this.#conns) closeQuietly(conn);
    await Promise.all([...this.#links].map((link) => link.done));
  }

  async #pair(conn: Deno.Conn, upstream: number): Promise<void> {
    this.#conns.add(conn);
    const up = await Deno.connect({ hostname: "127.0.0.1", port: upstream });
    this.#conns.add(up);
    const link: Link = {
      up,
      stalled: undefined,
      pong: undefined,
      pongs: 0,
      done: Promise.resolve(),
    };
    this.#links.add(link);
    const toServer = (async () => {
      for await (const chunk of conn.readable) {
        if (link.stalled) link.stalled.push(chunk.slice());
        else await writeAll(up, chunk);
      }
    })().catch(() => {});
    const toClient = (async () => {
      const text = new TextDecoder();
      for await (const chunk of up.readable) {
        if (link.pong) {
          link.pongs -= text.decode(chunk).split(`PONG${CRLF}`).length - 1;
          if (link.pongs <= 0) link.pong.resolve();
        }
        await writeAll(conn, chunk).catch(() => {});
      }
    })().catch(() => {});
    link.done = Promise.all([toServer, toClient]).then(() => {});
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) all.set(chunk, (at += chunk.length) - chunk.length);
  return all;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Closed already.
  }
}
