/**
 * The bootstrap: what a child needs to join its cluster (its address, the
 * layout, the limits, and its transport's configuration, secrets
 * included). The manager writes it as one JSON line to the child's stdin,
 * so no secret shows on a command line or in the environment. Once the child says
 * `$ready`, the manager writes one more byte, the go-ahead, and closes
 * stdin.
 *
 * @module
 */

import { type Address, isAddress } from "./address.ts";
import { SwitchboardError } from "./errors.ts";
import { nextTask } from "./next_task.ts";

/** The bootstrap line, field for field. */
export interface Bootstrap {
  /** Format version, to refuse a mismatched manager. */
  version: typeof BOOTSTRAP_VERSION;
  /** The child's own address. */
  self: Address;
  /** The cluster's worker ids, on every host. */
  workers: number[];
  /** The cluster's service names, on every host. */
  services: string[];
  /** The other hosts' managers, when the cluster spans several. */
  managers: string[];
  /** Its own host's manager by its cluster-wide address, when the cluster spans several. */
  manager?: string;
  /** The largest frame to send or accept. */
  maxFrameSize: number;
  /** The default request timeout, in ms. */
  requestTimeout: number;
  /**
   * How long a stop may take, in ms: a child that stops on its own (after a
   * SIGTERM, with its manager gone) bounds its stop work with it. Optional:
   * 5000 when absent.
   */
  stopTimeout?: number;
  /** Queued bytes per peer above which `drain()` waits. */
  highWaterMark: number;
  /** Queued bytes per peer above which sends are refused. */
  maxQueuedBytes: number;
  /** What the child's transport needs to open its endpoint; only the transport reads it. */
  transport: unknown;
  /**
   * The processes being replaced as the child starts (reloading, or
   * stopping alone to be restarted): a request to one of them waits for
   * its new process. Absent, none.
   */
  replacing?: Address[];
  /**
   * This manager's other children starting with the cluster, not ready yet,
   * as the child is spawned: a message to one of them that does not listen
   * yet is held until it does. Absent, none.
   */
  starting?: Address[];
}

/** The bootstrap format this module reads and writes. */
export const BOOTSTRAP_VERSION = 2;
const MAX_BOOTSTRAP_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/** The byte that answers a child's `$ready` on its stdin. */
export const GO_AHEAD = new Uint8Array([0x2e]);

/** Encodes a bootstrap as the line to write to a child's stdin. */
export function encodeBootstrap(bootstrap: Bootstrap): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(bootstrap)}\n`);
}

/**
 * How long a child waits for its bootstrap, in ms. The manager writes it
 * before the child starts, so it is there at once; a process started some
 * other way, with a pipe on stdin that says nothing, would wait forever.
 */
export const BOOTSTRAP_TIMEOUT = 2_000;

/**
 * Reads the bootstrap line from `input` (the process's stdin).
 *
 * @param patience Gives up when it aborts (default: after {@linkcode BOOTSTRAP_TIMEOUT} ms).
 * @throws {Error} When there is none: the process was not started by a cluster.
 */
export async function readBootstrap(
  input: Pick<typeof Deno.stdin, "read" | "isTerminal"> = Deno.stdin,
  // AbortSignal.timeout: a process's first setTimeout costs it milliseconds.
  patience: AbortSignal = AbortSignal.timeout(BOOTSTRAP_TIMEOUT),
): Promise<Bootstrap> {
  if (input.isTerminal()) throw notAChild("stdin is a terminal");
  let onAbort = () => {};
  const gaveUp = new Promise<never>((_, reject) => {
    onAbort = () => reject(notAChild(`none arrived on stdin within ${BOOTSTRAP_TIMEOUT} ms`));
    if (patience.aborted) onAbort();
    else patience.addEventListener("abort", onAbort, { once: true });
  });
  gaveUp.catch(() => {});
  const buffer = new Uint8Array(MAX_BOOTSTRAP_BYTES);
  let length = 0;
  try {
    while (!buffer.subarray(0, length).includes(NEWLINE)) {
      if (length === buffer.length) throw notAChild("the first line of stdin is too long");
      const count = await Promise.race([input.read(buffer.subarray(length)), gaveUp]);
      if (count === null) throw notAChild("stdin ended without one");
      length += count;
    }
  } finally {
    // A listener on a timeout's signal keeps its timer, and so the process,
    // alive: a child that closed at once lived on until the timeout passed.
    patience.removeEventListener("abort", onAbort);
  }
  const line = new TextDecoder().decode(buffer.subarray(0, buffer.indexOf(NEWLINE)));
  let bootstrap: unknown;
  try {
    bootstrap = JSON.parse(line);
  } catch (error) {
    throw notAChild("the first line of stdin is not JSON", error);
  }
  if (!isBootstrap(bootstrap)) {
    throw notAChild("the first line of stdin is not a Switchboard bootstrap of this version");
  }
  return bootstrap;
}

/**
 * Resolves once the manager's go-ahead arrives on `input` (the process's
 * stdin), in a task of its own. Call it before sending `$ready`: the read is
 * then pending when the byte comes, so it cannot complete within the
 * current task. This costs a child far less than its first MessageChannel.
 */
export async function readGoAhead(
  input: Pick<typeof Deno.stdin, "read"> = Deno.stdin,
): Promise<void> {
  const count = await input.read(new Uint8Array(1)).catch(() => null);
  // Ended instead (the manager closed stdin without the byte, or is gone):
  // the end may have been there already, so the task boundary is still owed.
  if (count === null) await nextTask();
}

function isBootstrap(value: unknown): value is Bootstrap {
  const b = value as Partial<Bootstrap> | null;
  return typeof b === "object" && b !== null && b.version === BOOTSTRAP_VERSION &&
    isAddress(b.self) && Array.isArray(b.workers) &&
    b.workers.every((id) => Number.isInteger(id) && id >= 0) && Array.isArray(b.services) &&
    b.services.every((name) => typeof name === "string") && Array.isArray(b.managers) &&
    b.managers.every((name) => typeof name === "string") &&
    (b.manager === undefined || typeof b.manager === "string") &&
    typeof b.maxFrameSize === "number" && typeof b.requestTimeout === "number" &&
    typeof b.highWaterMark === "number" && typeof b.maxQueuedBytes === "number" &&
    (b.stopTimeout === undefined || typeof b.stopTimeout === "number") &&
    "transport" in b &&
    isAddressList(b.replacing) && isAddressList(b.starting);
}

/** Whether `value` is absent or a list of addresses. */
function isAddressList(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.every(isAddress));
}

function notAChild(why: string, cause?: unknown): Error {
  return new SwitchboardError(
    `connect() found no bootstrap (${why}): run this module through Cluster.start()`,
    cause === undefined ? undefined : { cause },
  );
}
