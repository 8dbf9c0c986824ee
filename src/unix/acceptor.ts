/**
 * Listening at a socket file: accept connections until closed, and remove
 * the file again.
 *
 * @module
 */

import { asError } from "../as_error.ts";
import { flagsAdvice } from "./flags_advice.ts";
import { SocketConnection } from "./socket_connection.ts";

/** The first pause after a failed accept, in ms; doubled up to a second. */
const ACCEPT_RETRY = 10;

/**
 * Accepts connections at one socket file until closed. Failures to accept
 * (e.g. out of file descriptors) go to `onError`, and accepting goes on
 * after a pause.
 */
export class Acceptor implements AsyncIterable<SocketConnection> {
  readonly #listener: Deno.Listener;
  readonly #path: string;
  readonly #maxFrameSize: number;
  readonly #onError: (error: Error) => void;
  #closed = false;
  #pause: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | undefined;

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
    this.#listener = listener;
    this.#path = path;
    this.#maxFrameSize = maxFrameSize;
    this.#onError = onError;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SocketConnection> {
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

  /** Stops accepting and removes the socket file. Idempotent. */
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
