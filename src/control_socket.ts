/**
 * The manager's control socket (the `control` option): a Unix socket at a
 * path the operator chose, where the command line of `ctl.ts` asks a
 * running manager for its status or a reload. One request and one answer a
 * connection (`control_wire.ts`); a bad or slow client gets an error and
 * is closed, and never holds the manager: requests are bounded in size
 * and in time, and so are connections.
 *
 * @module
 */

import { asError } from "./as_error.ts";
import { deadline } from "./deadline.ts";
import {
  type ControlAnswer,
  type ControlRequest,
  type ControlStatus,
  MAX_REQUEST_BYTES,
  readMessage,
  writeMessage,
} from "./control_wire.ts";
import { AcceptLoop } from "./unix/accept_loop.ts";
import { isListening } from "./unix/acceptor.ts";

/** How long a client has to send its request once connected, in ms. */
export const REQUEST_TIMEOUT = 5_000;
/** How long an answer may take to be written (a client that does not read), in ms. */
const WRITE_TIMEOUT = 5_000;
/** Connections served at once; one more is answered that the manager is busy. */
export const MAX_CONNECTIONS = 16;

/**
 * What the socket's path as first made has beyond its directory's: the
 * private directory `Deno.makeTempDir()` names (`/.sb-` and 16 hex digits)
 * and the socket's name in it (`/s`).
 */
export const MADE_PATH_BYTES = "/.sb-0123456789abcdef/s".length;

/** The directory of a control path, where the socket is first made (`.` for a bare name). */
export function controlDir(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : path.slice(0, slash) || "/";
}

/** What the commands do, in the manager. */
export interface ControlCommands {
  /** The manager's pid and children, as `status` answers. */
  status(): ControlStatus;
  /** Reloads `target` (every worker when undefined), as `cluster.reload()` does. */
  reload(target: number | string | undefined): Promise<void>;
  /** Told of failures to accept, which no client can be told. */
  report(error: Error): void;
}

/** Which file a socket file is, as `lstat` tells it. */
type SocketFile = Pick<Deno.FileInfo, "dev" | "ino">;

/** A connection's part: reading its request (cut at a stop), or answering it (awaited). */
type Serving = "reading" | "answering";

/** Listens at the control path and answers commands until closed. */
export class ControlSocket {
  readonly #listener: Deno.Listener;
  readonly #path: string;
  /** The socket file linked at the path: the one file the stop removes there. */
  readonly #file: SocketFile;
  readonly #connections = new Map<Deno.Conn, Serving>();
  readonly #served = new Set<Promise<void>>();
  /** Once serving: the loop accepting connections, and its end. */
  #loop: AcceptLoop | undefined;
  #accepting: Promise<void> | undefined;
  #closed = false;
  readonly #requestTimeout: number;

  /**
   * Listens at `path`, which only the manager's user may connect to: the
   * socket is made in a fresh directory of mode 0700 beside it, given mode
   * 0600, and only then linked at `path`, so that no other user can
   * connect even for an instant. A socket file left there by a manager that
   * was killed (nobody listens) is replaced.
   *
   * @param requestTimeout How long a client has to send its request, in
   * ms (default {@linkcode REQUEST_TIMEOUT}; a test gives less).
   * @throws {Deno.errors.AddrInUse} When another process (a live manager)
   * listens at `path`.
   * @throws {Deno.errors.AlreadyExists} When a file that is not a socket is
   * there: it is not ours to remove.
   */
  static async listen(path: string, requestTimeout = REQUEST_TIMEOUT): Promise<ControlSocket> {
    const dir = controlDir(path);
    let listener: Deno.Listener | undefined;
    let privateDir: string | undefined;
    try {
      privateDir = await Deno.makeTempDir({ dir, prefix: ".sb-" });
      const made = `${privateDir}/s`;
      listener = Deno.listen({ transport: "unix", path: made });
      await Deno.chmod(made, 0o600);
      await linkAt(made, path, `${privateDir}/stale`);
      const { dev, ino } = await Deno.lstat(made);
      return new ControlSocket(listener, path, { dev, ino }, requestTimeout);
    } catch (error) {
      listener?.close();
      if (error instanceof Deno.errors.AddrInUse || error instanceof Deno.errors.AlreadyExists) {
        throw error;
      }
      throw new (error instanceof Deno.errors.NotCapable ? Deno.errors.NotCapable : Error)(
        `Cannot listen for control commands at ${path}: ${asError(error).message}` +
          (error instanceof Deno.errors.NotCapable
            ? ` (the manager needs --allow-read and --allow-write for ${dir})`
            : ""),
        { cause: error },
      );
    } finally {
      if (privateDir !== undefined) {
        await Deno.remove(privateDir, { recursive: true }).catch(() => {});
      }
    }
  }

  private constructor(
    listener: Deno.Listener,
    path: string,
    file: SocketFile,
    requestTimeout: number,
  ) {
    this.#listener = listener;
    this.#path = path;
    this.#file = file;
    this.#requestTimeout = requestTimeout;
  }

  /** Answers commands with `commands` until closed. */
  serve(commands: ControlCommands): void {
    if (this.#loop || this.#closed) return;
    this.#loop = new AcceptLoop(this.#listener, (error) => commands.report(error));
    this.#accepting = this.#accept(this.#loop, commands);
  }

  /**
   * Stops listening and removes the socket file; cuts the connections still
   * sending their request, and waits for the answers being written. Idempotent.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#unlisten();
      for (const [conn, serving] of this.#connections) {
        if (serving === "reading") closeQuietly(conn);
      }
    }
    await this.#accepting;
    while (this.#served.size > 0) await Promise.all(this.#served);
  }

  /** For a process about to end: removes the socket file, synchronously. */
  abandon(): void {
    this.#closed = true;
    this.#unlisten();
  }

  /**
   * The file first: once the listener is closed, another manager may link
   * its own socket at the path, which removing ours then would remove.
   */
  #unlisten(): void {
    try {
      // Only this manager's own: one whose file was removed by hand, and
      // another manager started at the path since, removed that one's.
      const { dev, ino } = Deno.lstatSync(this.#path);
      if (dev === this.#file.dev && ino === this.#file.ino) Deno.removeSync(this.#path);
    } catch {
      // Removed already.
    }
    // The loop's close also ends a pause after a failed accept.
    this.#loop?.close();
    closeQuietly(this.#listener);
  }

  async #accept(loop: AcceptLoop, commands: ControlCommands): Promise<void> {
    for await (const conn of loop) {
      const served = this.#serve(conn, commands);
      this.#served.add(served);
      served.finally(() => this.#served.delete(served));
    }
  }

  async #serve(conn: Deno.Conn, commands: ControlCommands): Promise<void> {
    const busy = this.#connections.size >= MAX_CONNECTIONS;
    this.#connections.set(conn, "reading");
    try {
      const answer = busy
        ? failure(new Error(`The manager serves ${MAX_CONNECTIONS} control connections already`))
        : await this.#answer(conn, commands);
      if (answer === undefined) return;
      this.#connections.set(conn, "answering");
      await deadline(
        writeMessage(conn, answer),
        WRITE_TIMEOUT,
        () => new Error("The client did not read its answer"),
      );
    } catch {
      // The client went, or did not read: nothing to tell it.
    } finally {
      this.#connections.delete(conn);
      closeQuietly(conn);
    }
  }

  /** The answer to the connection's request; undefined when it sent none (a liveness check). */
  async #answer(conn: Deno.Conn, commands: ControlCommands): Promise<ControlAnswer | undefined> {
    let request: ControlRequest;
    try {
      const message = await deadline(
        readMessage(conn, MAX_REQUEST_BYTES),
        this.#requestTimeout,
        () => new Error(`No request came within ${this.#requestTimeout} ms`),
      );
      if (message === undefined) return undefined;
      request = parseRequest(message);
    } catch (error) {
      return failure(asError(error));
    }
    this.#connections.set(conn, "answering");
    try {
      if (request.command === "status") return { ok: true, status: commands.status() };
      await commands.reload(request.target);
      return { ok: true };
    } catch (error) {
      return failure(asError(error));
    }
  }
}

/**
 * Checks a request's shape.
 *
 * @throws {TypeError} Saying what is wrong with it.
 */
export function parseRequest(message: unknown): ControlRequest {
  const { command, target, ...rest } = typeof message === "object" && message !== null
    ? message as Record<string, unknown>
    : { command: undefined, target: undefined };
  if (command !== "status" && command !== "reload") {
    throw new TypeError(
      `Unknown control command ${JSON.stringify(command) ?? "(none)"}: the commands are ` +
        `"status" and "reload"`,
    );
  }
  const extra = Object.keys(rest)[0] ?? (command === "status" && target !== undefined && "target");
  if (extra) throw new TypeError(`Control command "${command}" takes no "${extra}"`);
  if (
    target !== undefined &&
    !(typeof target === "string" && target !== "") &&
    !(typeof target === "number" && Number.isInteger(target) && target >= 0)
  ) {
    throw new TypeError(
      `Cannot reload ${JSON.stringify(target)}: a target is a worker id or a service name`,
    );
  }
  return command === "status" ? { command } : { command, target };
}

/** An error, as an answer says it. */
function failure(error: Error): ControlAnswer {
  return { ok: false, error: { name: error.name, message: error.message } };
}

/**
 * Links the socket made at `made` at `path`, replacing a socket file
 * nobody listens at (its manager was killed). A link never replaces a
 * file, and the stale one is moved aside (to `aside`, in this manager's
 * private directory) rather than removed: of two managers that both found
 * it stale, one moves it and links its own there, and the other, which
 * then moves the first's socket (not the file it found stale), puts it
 * back and is refused. Removed, the second removed the first's live
 * socket and linked its own: both listened, the first unreachable.
 */
async function linkAt(made: string, path: string, aside: string): Promise<void> {
  try {
    return await Deno.link(made, path);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  const found = await Deno.lstat(path);
  if (!found.isSocket) {
    throw new Deno.errors.AlreadyExists(
      `Cannot listen for control commands at ${path}: a file that is not a socket is there ` +
        `(remove it, or choose another path)`,
    );
  }
  const taken = () =>
    new Deno.errors.AddrInUse(
      `Cannot listen for control commands at ${path}: another manager is listening there`,
    );
  if (await isListening(path)) throw taken();
  try {
    await Deno.rename(path, aside);
  } catch (error) {
    // Another manager moved it first.
    if (error instanceof Deno.errors.NotFound) throw taken();
    throw error;
  }
  const moved = await Deno.lstat(aside);
  if (moved.ino !== found.ino || moved.dev !== found.dev) {
    // Another manager's, linked since: its own again (a link replaces nothing).
    await Deno.link(aside, path).catch(() => {});
    throw taken();
  }
  try {
    await Deno.link(made, path);
  } catch (error) {
    throw error instanceof Deno.errors.AlreadyExists ? taken() : error;
  }
}

function closeQuietly(closer: { close(): void }): void {
  try {
    closer.close();
  } catch {
    // Closed already.
  }
}
