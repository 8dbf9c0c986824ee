/**
 * A TCP proxy in front of a NATS server, for the tests: `cut()` drops every
 * connection through it, so that the host behind it loses NATS while the
 * others keep it; the host's client reconnects through it, unless the
 * proxy is told to `hold()` it off until `release()`. `mute()` drops what
 * the server sends until the next cut or `unmute()`: requests arrive and
 * are acted on, their answers never come.
 */
export class NatsProxy {
  readonly port: number;
  readonly #listener: Deno.Listener;
  readonly #conns = new Set<Deno.Conn>();
  readonly #accepting: Promise<void>;
  #holding = false;
  #muted = false;

  constructor(upstream: number) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#listener = listener;
    this.port = (listener.addr as Deno.NetAddr).port;
    this.#accepting = (async () => {
      for await (const conn of listener) {
        if (this.#holding) closeQuietly(conn);
        else this.#pair(conn, upstream);
      }
    })().catch(() => {});
  }

  /** The address to give a broker. */
  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Drops every connection through it. */
  cut(): void {
    for (const conn of this.#conns) closeQuietly(conn);
    this.#conns.clear();
    this.#muted = false;
  }

  /** Drops what the server sends, until the next {@linkcode NatsProxy.cut}. */
  mute(): void {
    this.#muted = true;
  }

  /** Lets what the server sends through again, without a cut: what it sent meanwhile is lost. */
  unmute(): void {
    this.#muted = false;
  }

  /** Refuses new connections (closes them at once) until {@linkcode NatsProxy.release}. */
  hold(): void {
    this.#holding = true;
  }

  /** Lets connections through again. */
  release(): void {
    this.#holding = false;
  }

  async close(): Promise<void> {
    this.cut();
    this.#listener.close();
    await this.#accepting;
  }

  async #pair(conn: Deno.Conn, upstream: number): Promise<void> {
    // Counted at once: cut while the server is dialled, it is dropped too
    // (else its client would wait out its connect timeout, 20 s).
    this.#conns.add(conn);
    let up: Deno.Conn;
    try {
      up = await Deno.connect({ hostname: "127.0.0.1", port: upstream });
    } catch {
      this.#conns.delete(conn);
      return closeQuietly(conn);
    }
    if (!this.#conns.has(conn)) return closeQuietly(up);
    this.#conns.add(up);
    const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
      const muting = new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, out) => {
          if (!(this.#muted && from === up)) out.enqueue(chunk);
        },
      });
      await from.readable.pipeThrough(muting).pipeTo(to.writable).catch(() => {});
      for (const end of [from, to]) {
        closeQuietly(end);
        this.#conns.delete(end);
      }
    };
    pipe(conn, up);
    pipe(up, conn);
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Closed already.
  }
}
