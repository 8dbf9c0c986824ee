/**
 * A command line to a running manager, through the socket its `control`
 * option names: `status` lists its children (as `pm2 list` does), `reload`
 * replaces workers or a service (as `pm2 reload`). It needs that socket
 * and nothing else:
 *
 * ```sh
 * deno run --allow-read=/run/app/ctl.sock --allow-write=/run/app/ctl.sock \
 *   --allow-net=unix:/run/app/ctl.sock jsr:@switchboard/switchboard/ctl \
 *   --socket /run/app/ctl.sock status
 * ```
 *
 * `reload` with no target reloads every worker; `reload 1`, worker 1;
 * `reload mailer`, that service. `--json` prints the manager's answer as
 * JSON. The exit code is 0 when the command was done, 1 when it failed
 * (the manager's error is printed), 2 for a command line that is wrong.
 *
 * @example From code: the pids of a manager's children
 * ```ts
 * import { status } from "@switchboard/switchboard/ctl";
 *
 * export async function pids(socket: string): Promise<(number | undefined)[]> {
 *   return (await status(socket)).children.map((child) => child.pid);
 * }
 * ```
 *
 * @module
 */

import { MANAGER } from "./src/address.ts";
import {
  type ControlAnswer,
  type ControlRequest,
  type ControlStatus,
  MAX_ANSWER_BYTES,
  readMessage,
  writeMessage,
} from "./src/control_wire.ts";
import { deadline } from "./src/deadline.ts";
import { RemoteError, SwitchboardError } from "./src/errors.ts";
import { statusTable } from "./src/status_table.ts";

export type { ControlChild, ControlRequest, ControlStatus } from "./src/control_wire.ts";

/** How long `status` waits for its answer, in ms; a reload waits as long as it takes. */
const STATUS_TIMEOUT = 10_000;

const USAGE = "Usage: ctl.ts --socket <path> [--json] status | reload [<worker id or service>]";

/**
 * Asks the manager listening at `socket` for its status.
 *
 * @param socket The manager's `control` path.
 * @param timeout How long to wait for the answer, in ms (default 10 000);
 * then the connection is closed.
 * @returns The manager's pid, and each child's pid, state, restarts,
 * uptime and (when the manager may read it) RSS.
 * @throws {SwitchboardError} When no manager answers there, or not within `timeout`.
 * @throws {RemoteError} When the manager answers with an error.
 *
 * @example Which children are not ready
 * ```ts
 * import { status } from "@switchboard/switchboard/ctl";
 *
 * export async function down(socket: string): Promise<unknown[]> {
 *   const { children } = await status(socket);
 *   return children.filter((child) => child.state !== "ready").map((child) => child.address);
 * }
 * ```
 */
export async function status(socket: string, timeout = STATUS_TIMEOUT): Promise<ControlStatus> {
  const answer = await ask(socket, { command: "status" }, timeout);
  return answer.status!;
}

/**
 * Has the manager listening at `socket` reload `target`, as
 * `cluster.reload(target)` does, and resolves once it is done.
 *
 * @param socket The manager's `control` path.
 * @param target A worker id, or a service name; default every worker. A
 * string of digits that names no service is that worker id.
 * @throws {SwitchboardError} When no manager answers there.
 * @throws {RemoteError} When the reload failed, or was refused (its
 * `remoteName` and `remoteMessage` are the manager's error's: a
 * `TypeError` for a target that is not a child, a `ClosedError` when the
 * cluster is stopping).
 *
 * @example Roll new code out to worker 1
 * ```ts
 * import { reload } from "@switchboard/switchboard/ctl";
 *
 * export async function deploy(socket: string): Promise<void> {
 *   await reload(socket, 1);
 * }
 * ```
 */
export async function reload(socket: string, target?: number | string): Promise<void> {
  await ask(socket, target === undefined ? { command: "reload" } : { command: "reload", target });
}

/**
 * Runs the command line: parses `args`, asks the manager, prints the
 * answer to stdout (an error to stderr).
 *
 * @param args The arguments, as `Deno.args`.
 * @returns The exit code: 0 done, 1 failed, 2 a wrong command line.
 *
 * @example Run it as a script does
 * ```ts
 * import { main } from "@switchboard/switchboard/ctl";
 *
 * export async function list(): Promise<void> {
 *   Deno.exitCode = await main(["--socket", "/run/app/ctl.sock", "status"]);
 * }
 * ```
 */
export async function main(args: readonly string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === "string") {
    console.error(`${parsed}\n${USAGE}`);
    return 2;
  }
  const { socket, json, request } = parsed;
  try {
    if (request.command === "status") {
      const answer = await status(socket);
      console.log(json ? JSON.stringify(answer, null, 2) : statusTable(answer));
    } else {
      await reload(socket, request.target);
      const what = request.target === undefined ? "every worker" : `${request.target}`;
      console.log(json ? JSON.stringify({ ok: true }) : `Reloaded ${what}`);
    }
    return 0;
  } catch (error) {
    const message = error instanceof RemoteError ? error.remoteMessage : (error as Error).message;
    console.error(json ? JSON.stringify({ ok: false, error: message }) : `Error: ${message}`);
    return 1;
  }
}

/** The command line's socket, format and request, or what is wrong with it. */
function parseArgs(
  args: readonly string[],
): { socket: string; json: boolean; request: ControlRequest } | string {
  let socket: string | undefined;
  let json = false;
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--json") json = true;
    else if (arg === "--socket") socket = args[++i];
    else if (arg.startsWith("--socket=")) socket = arg.slice("--socket=".length);
    else if (arg.startsWith("-")) return `Unknown option ${arg}`;
    else words.push(arg);
  }
  if (!socket) return "Missing --socket <path>: the manager's control option";
  const [command, target, ...more] = words;
  if (command === "status" && target === undefined) {
    return { socket, json, request: { command } };
  }
  if (command === "reload" && more.length === 0) {
    return { socket, json, request: target === undefined ? { command } : { command, target } };
  }
  return command === "status" || command === "reload"
    ? `Too many arguments for ${command}`
    : command === undefined
    ? "Missing command"
    : `Unknown command ${JSON.stringify(command)}`;
}

/**
 * Sends one request and reads its answer, within `timeout` ms if given:
 * the connection is closed either way, so that nothing is left to keep
 * the command line's process alive.
 *
 * @throws {SwitchboardError} When no manager answers at `socket`, or not in time.
 * @throws {RemoteError} When the manager answers with an error.
 */
async function ask(
  socket: string,
  request: ControlRequest,
  timeout = Infinity,
): Promise<ControlAnswer & { ok: true }> {
  let conn: Deno.Conn;
  try {
    conn = await Deno.connect({ transport: "unix", path: socket });
  } catch (error) {
    throw new SwitchboardError(`No manager answers at ${socket}: ${whyNot(error, socket)}`, {
      peer: MANAGER,
      cause: error,
    });
  }
  const command = "target" in request ? `${request.command} ${request.target}` : request.command;
  let answer: ControlAnswer | undefined;
  try {
    // A manager stopped (SIGSTOP) or stuck takes the connection and never
    // answers: the read's deadline closes it, else it kept the process up.
    answer = await deadline(
      (async () => {
        await writeMessage(conn, request);
        return await readMessage(conn, MAX_ANSWER_BYTES) as ControlAnswer | undefined;
      })(),
      timeout,
      () =>
        new SwitchboardError(
          `The manager at ${socket} did not answer "${command}" within ${timeout} ms`,
          { peer: MANAGER },
        ),
    );
  } finally {
    conn.close();
  }
  if (answer === undefined) {
    throw new SwitchboardError(`The manager at ${socket} closed without answering "${command}"`, {
      peer: MANAGER,
    });
  }
  if (!answer.ok) {
    throw new RemoteError(
      `The manager at ${socket} refused "${command}": ${answer.error.message}`,
      answer.error,
      { peer: MANAGER },
    );
  }
  return answer;
}

/** Why connecting failed, as an operator would fix it. */
function whyNot(error: unknown, socket: string): string {
  if (error instanceof Deno.errors.NotFound) return "no such socket (is the manager running?)";
  if (error instanceof Deno.errors.ConnectionRefused) {
    return "nobody listens (a manager that was killed left its socket file)";
  }
  if (error instanceof Deno.errors.NotCapable) {
    return `run with --allow-read=${socket} --allow-write=${socket} --allow-net=unix:${socket}`;
  }
  return (error as Error).message;
}

if (import.meta.main) Deno.exitCode = await main(Deno.args);
