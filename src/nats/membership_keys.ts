/**
 * The keys of the membership bucket and what they hold: `h.<host>` a
 * host's record, `w.<id>` a worker id and `s.<hex name>` a service name,
 * each held by the host that claimed it. Each value names the process
 * that wrote it too (a random id, new each time a host starts): a host
 * tells its own writes from another's under its name (a process that
 * replaced it while it was cut off), and the others tell a host that
 * restarted from one that went on.
 *
 * A host's record carries the wire format its host runs (`wire`, see
 * {@linkcode WIRE_FORMAT}); every format to come keeps that field where it
 * is, so that hosts of any two formats tell they differ. It also marks
 * the record ready: the records of the versions before it said so with
 * `ready: true` and carried no format, and those hosts, reading a record
 * without `ready`, take its host for one still claiming its addresses, and
 * never send to it.
 *
 * @module
 */

import type { KvEntry } from "@nats-io/kv";
import type { HostRecord } from "../broker.ts";
import { WIRE_FORMAT } from "./envelope.ts";

export const HOST = "h.";
export const WORKER = "w.";
export const SERVICE = "s.";

/** What a key claims, for messages: `worker 3`, `service "log"`, `its host name`. */
export function keyName(key: string): string {
  if (key.startsWith(WORKER)) return `worker ${key.slice(WORKER.length)}`;
  if (key.startsWith(SERVICE)) return `service ${JSON.stringify(unhex(key.slice(SERVICE.length)))}`;
  return "its host name";
}

/** The value of a host key: the record, once ready to be taken in, and its host's wire format. */
export function recordValue(record: HostRecord, process: string, wire = WIRE_FORMAT): string {
  return JSON.stringify({ ...record, wire, process });
}

/** The value of a worker or service key: the host that holds it, and its process. */
export function ownerValue(host: string, process: string): string {
  return JSON.stringify({ host, process });
}

/**
 * A ready host key's record, read: of this host's wire format, or only the
 * other format it is of (undefined: a version from before formats had numbers).
 */
export type ReadRecord =
  | { format: "same"; record: HostRecord }
  | { format: "other"; wire: number | undefined };

/**
 * A host key's record, if it is ready; undefined while it is still
 * claiming, or unreadable. One of a wire format other than `wire` is read
 * no further than its format: nothing else of it is known to mean the same.
 */
export function readRecord(
  entry: KvEntry,
  host: string,
  wire = WIRE_FORMAT,
): ReadRecord | undefined {
  try {
    const value = entry.json<Partial<HostRecord> & { ready?: boolean; wire?: unknown }>();
    if (typeof value.wire !== "number" && value.ready !== true) return undefined;
    if (value.wire !== wire) {
      return { format: "other", wire: typeof value.wire === "number" ? value.wire : undefined };
    }
    if (
      !Array.isArray(value.workers) || !value.workers.every((id) => Number.isInteger(id)) ||
      !Array.isArray(value.services) || !value.services.every((s) => typeof s === "string")
    ) return undefined;
    return { format: "same", record: { host, workers: value.workers, services: value.services } };
  } catch {
    return undefined;
  }
}

/** A wire format, for messages: `wire format 7`, or none (a version from before they had numbers). */
export function formatName(wire: number | undefined): string {
  return wire === undefined
    ? "a version from before wire formats had numbers"
    : `wire format ${wire}`;
}

/** The value of a host key while its host still claims its addresses: not taken in yet. */
export function claimingValue(process: string): string {
  return JSON.stringify({ process });
}

/**
 * Who wrote a key's value: the host and process for a worker or service
 * key, the process for a host key; a value that is neither is its own
 * host name, and no process's.
 */
export function writerOf(value: string): { host: string; process?: string } {
  try {
    const { host, process } = JSON.parse(value);
    if (typeof process === "string") return { host: typeof host === "string" ? host : "", process };
  } catch {
    // Not JSON.
  }
  return { host: value };
}

/** A service name as a key token: any characters, as hex. */
export function hex(name: string): string {
  return [...new TextEncoder().encode(name)].map((byte) => byte.toString(16).padStart(2, "0"))
    .join("");
}

/** A service name from its key token (see {@linkcode hex}). */
export function unhex(token: string): string {
  const pairs = token.match(/../g) ?? [];
  return new TextDecoder().decode(Uint8Array.from(pairs, (pair) => parseInt(pair, 16)));
}
