/**
 * The bootstrap: what a child needs to join its cluster (its address, the
 * socket directory, the layout, the limits and the secret token). The
 * manager writes it as one JSON line to the child's stdin and closes it, so
 * the token never shows on a command line or in the environment.
 *
 * @module
 */

import { type Address, isAddress } from "./address.ts";
import { SwitchboardError } from "./errors.ts";

/** The bootstrap line, field for field. */
export interface Bootstrap {
  /** Format version, to refuse a mismatched manager. */
  version: typeof BOOTSTRAP_VERSION;
  /** The directory holding the cluster's sockets. */
  dir: string;
  /** The child's own address. */
  self: Address;
  /** The cluster's secret, sent in every `$hello`. */
  token: string;
  /** How many workers the cluster has. */
  workers: number;
  /** The service names, in endpoint order. */
  services: string[];
  /** The largest frame to send or accept. */
  maxFrameSize: number;
  /** The default request timeout, in ms. */
  requestTimeout: number;
  /** Queued bytes per peer above which `drain()` waits. */
  highWaterMark: number;
  /** Queued bytes per peer above which sends are refused. */
  maxQueuedBytes: number;
}

/** The bootstrap format this module reads and writes. */
export const BOOTSTRAP_VERSION = 1;
const MAX_BOOTSTRAP_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/** Encodes a bootstrap as the line to write to a child's stdin. */
export function encodeBootstrap(bootstrap: Bootstrap): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(bootstrap)}\n`);
}

/**
 * Reads the bootstrap line from `input` (the process's stdin).
 *
 * @throws {Error} When there is none: the process was not started by a cluster.
 */
export async function readBootstrap(
  input: Pick<typeof Deno.stdin, "read" | "isTerminal"> = Deno.stdin,
): Promise<Bootstrap> {
  if (input.isTerminal()) throw notAChild("stdin is a terminal");
  const buffer = new Uint8Array(MAX_BOOTSTRAP_BYTES);
  let length = 0;
  while (!buffer.subarray(0, length).includes(NEWLINE)) {
    if (length === buffer.length) throw notAChild("the first line of stdin is too long");
    const count = await input.read(buffer.subarray(length));
    if (count === null) throw notAChild("stdin ended without one");
    length += count;
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

function isBootstrap(value: unknown): value is Bootstrap {
  const b = value as Partial<Bootstrap> | null;
  return typeof b === "object" && b !== null && b.version === BOOTSTRAP_VERSION &&
    typeof b.dir === "string" && isAddress(b.self) && typeof b.token === "string" &&
    Number.isInteger(b.workers) && Array.isArray(b.services) &&
    b.services.every((name) => typeof name === "string") &&
    typeof b.maxFrameSize === "number" && typeof b.requestTimeout === "number" &&
    typeof b.highWaterMark === "number" && typeof b.maxQueuedBytes === "number";
}

function notAChild(why: string, cause?: unknown): Error {
  return new SwitchboardError(
    `connect() found no bootstrap (${why}): run this module through Cluster.start()`,
    cause === undefined ? undefined : { cause },
  );
}
