/**
 * The keys of the membership bucket and what they hold: `h.<host>` a
 * host's record, `w.<id>` a worker id and `s.<hex name>` a service name,
 * each held by the host that claimed it. Each value names the process
 * that wrote it too (a random id, new each time a host starts): a host
 * tells its own writes from another's under its name (a process that
 * replaced it while it was cut off), and the others tell a host that
 * restarted from one that went on.
 *
 * @module
 */

import type { KvEntry } from "@nats-io/kv";
import type { HostRecord } from "../broker.ts";

export const HOST = "h.";
export const WORKER = "w.";
export const SERVICE = "s.";

/** What a key claims, for messages: `worker 3`, `service "log"`, `its host name`. */
export function keyName(key: string): string {
  if (key.startsWith(WORKER)) return `worker ${key.slice(WORKER.length)}`;
  if (key.startsWith(SERVICE)) return `service ${JSON.stringify(unhex(key.slice(SERVICE.length)))}`;
  return "its host name";
}

/** The value of a host key: the record, once ready to be taken in. */
export function recordValue(record: HostRecord, process: string): string {
  return JSON.stringify({ ...record, ready: true, process });
}

/** The value of a worker or service key: the host that holds it, and its process. */
export function ownerValue(host: string, process: string): string {
  return JSON.stringify({ host, process });
}

/** A host key's record, if it is ready; undefined while it is still claiming, or unreadable. */
export function readRecord(entry: KvEntry, host: string): HostRecord | undefined {
  try {
    const value = entry.json<Partial<HostRecord> & { ready?: boolean }>();
    if (
      value.ready !== true ||
      !Array.isArray(value.workers) || !value.workers.every((id) => Number.isInteger(id)) ||
      !Array.isArray(value.services) || !value.services.every((s) => typeof s === "string")
    ) return undefined;
    return { host, workers: value.workers, services: value.services };
  } catch {
    return undefined;
  }
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
