/**
 * Listening at a socket file: accept connections until closed, and remove
 * the file again.
 *
 * @module
 */

import { AcceptLoop } from "./accept_loop.ts";
import { flagsAdvice } from "./flags_advice.ts";
import { SocketConnection } from "./socket_connection.ts";

/**
 * Accepts connections at one socket file until closed. Failures to accept
 * (e.g. out of file descriptors) go to `onError`, and accepting goes on
 * after a pause (`accept_loop.ts`).
 */
export class Acceptor implements AsyncIterable<SocketConnection> {
  readonly #accepting: AcceptLoop;
  readonly #path: string;
  readonly #maxFrameSize: number;
  #closed = false;

  /**
   * Listens at `path`, first removing a socket file a dead process left
   * behind (a live listener there is an error).
   *
   * @param maxFrameSize The limit accepted connections start with.
   * @param onError Told of failures to accept.
   */
  static async listen(
    path: string,
    maxFrameSize: number,
    onError: (error: Error) => void,
  ): Promise<Acceptor> {
    return new Acceptor(await listenUnix(path), path, maxFrameSize, onError);
  }

  private constructor(
    listener: Deno.Listener,
    path: string,
    maxFrameSize: number,
    onError: (error: Error) => void,
  ) {
    this.#accepting = new AcceptLoop(listener, onError);
    this.#path = path;
    this.#maxFrameSize = maxFrameSize;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SocketConnection> {
    for await (const conn of this.#accepting) {
      yield new SocketConnection(conn, this.#maxFrameSize);
    }
  }

  /** Stops accepting and removes the socket file. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#accepting.close();
    // The runtime removes the file once the listener is dropped, which may
    // be after the process has exited: remove it now.
    try {
      Deno.removeSync(this.#path);
    } catch {
      // Already removed.
    }
  }
}

async function listenUnix(path: string): Promise<Deno.Listener> {
  try {
    return Deno.listen({ transport: "unix", path });
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) {
      // The temporary directory is two levels up: `<tmp>/switchboard-…/m.sock`.
      throw flagsAdvice(error, path.slice(0, path.lastIndexOf("/", path.lastIndexOf("/") - 1)));
    }
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

/**
 * Whether a process listens at the socket file `path`.
 *
 * @throws When connecting fails for another reason than a refusal or a
 * missing file (no permission to connect, say): that says nothing of
 * whether anybody listens.
 */
export async function isListening(path: string): Promise<boolean> {
  try {
    (await Deno.connect({ transport: "unix", path })).close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionRefused) return false;
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
