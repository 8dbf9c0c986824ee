/**
 * The control socket's wire (`control` option, `ctl.ts`): one request and
 * one answer on each connection, each a frame of the library's own (a
 * 4-byte big-endian length, then that many bytes of UTF-8 JSON), then the
 * manager closes it. Shared by the manager's end and the command line's.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { HostRecord } from "./broker.ts";
import { FrameError } from "./errors.ts";
import type { ChildState } from "./stats.ts";
import { encodeFrame, HEADER_SIZE, readLength } from "./unix/frame.ts";

/** The largest request the manager reads: a command and a target fit in far less. */
export const MAX_REQUEST_BYTES = 4096;
/** The largest answer the command line reads: a status of thousands of children fits. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * A command to a running manager: `status`, or `reload` of one target
 * (a worker id, or a service name; a string of digits that names no
 * service is that worker id) or, without one, of every worker.
 *
 * @example The two commands
 * ```ts
 * import type { ControlRequest } from "@switchboard/switchboard/ctl";
 *
 * const requests: ControlRequest[] = [
 *   { command: "status" },
 *   { command: "reload", target: "mailer" },
 *   { command: "reload" }, // every worker
 * ];
 * console.assert(requests.length === 3);
 * ```
 */
export type ControlRequest =
  | { command: "status" }
  | { command: "reload"; target?: number | string };

/**
 * One child in a {@linkcode ControlStatus}: what `cluster.stats()` says of
 * it, with how long its process has been ready and what it holds in RAM.
 *
 * @example A worker that runs
 * ```ts
 * import type { ControlChild } from "@switchboard/switchboard/ctl";
 *
 * const worker: ControlChild = {
 *   address: 1, pid: 4242, state: "ready", restarts: 0, uptime: 61_000, rss: 48 * 1024 ** 2,
 * };
 * console.assert(worker.state === "ready");
 * ```
 */
export interface ControlChild {
  /** Its address: a worker id or a service name. */
  address: Address;
  /** Its process id; undefined while it is down. */
  pid: number | undefined;
  /** Where it is in its life (see `ChildState`). */
  state: ChildState;
  /** How many times it was restarted since the cluster started (a reload is none). */
  restarts: number;
  /** Ms since its process was ready; undefined when it is not (starting, down). */
  uptime?: number;
  /**
   * Its resident set size in bytes, when the manager may read it (Linux's
   * `/proc`, which Deno lets a manager read only with `--allow-all`).
   */
  rss?: number;
}

/**
 * What `status` answers: the manager's pid, its children, and in a
 * cluster that spans hosts, every host.
 *
 * @example Pids of the workers
 * ```ts
 * import type { ControlStatus } from "@switchboard/switchboard/ctl";
 *
 * export function workerPids(status: ControlStatus): (number | undefined)[] {
 *   return status.children.filter((child) => typeof child.address === "number")
 *     .map((child) => child.pid);
 * }
 * console.assert(workerPids({ pid: 1, children: [] }).length === 0);
 * ```
 */
export interface ControlStatus {
  /** The manager's process id. */
  pid: number;
  /** Each child of this host. */
  children: ControlChild[];
  /** Across hosts (with a `broker`): every host, and what it runs. */
  hosts?: HostRecord[];
}

/** What the manager answers: done (with the status it asked for), or why not. */
export type ControlAnswer =
  | { ok: true; status?: ControlStatus }
  | { ok: false; error: { name: string; message: string } };

/** Writes `value` as one frame, all of it. */
export async function writeMessage(conn: Deno.Conn, value: unknown): Promise<void> {
  const frame = encodeFrame(new TextEncoder().encode(JSON.stringify(value)));
  for (let written = 0; written < frame.length;) {
    written += await conn.write(frame.subarray(written));
  }
}

/**
 * Reads one frame and parses its JSON.
 *
 * @param limit The largest payload accepted, in bytes.
 * @returns The value, or undefined when the peer closed before sending a byte.
 * @throws {FrameError} When the frame declares more than `limit`, ends
 * early, or is not UTF-8 JSON.
 */
export async function readMessage(conn: Deno.Conn, limit: number): Promise<unknown> {
  const header = new Uint8Array(HEADER_SIZE);
  const got = await readFull(conn, header);
  if (got === 0) return undefined;
  if (got < HEADER_SIZE) throw new FrameError("The connection closed inside a frame's length");
  const length = readLength(header, 0);
  if (length > limit) {
    throw new FrameError(`Frame of ${length} bytes is over the ${limit}-byte limit`);
  }
  const payload = new Uint8Array(length);
  if (await readFull(conn, payload) < length) {
    throw new FrameError(`The connection closed inside a frame of ${length} bytes`);
  }
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch (error) {
    throw new FrameError("A frame that is not UTF-8 JSON", { cause: error });
  }
}

/** Fills `bytes` from `conn`; returns how many came before it closed. */
async function readFull(conn: Deno.Conn, bytes: Uint8Array): Promise<number> {
  let filled = 0;
  while (filled < bytes.length) {
    const count = await conn.read(bytes.subarray(filled));
    if (count === null) break;
    filled += count;
  }
  return filled;
}
