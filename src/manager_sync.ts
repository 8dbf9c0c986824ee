/**
 * `ManagerSync`: a child's round trip to its manager, so that it has heard
 * every lifecycle event the manager sent before. The manager announces a
 * reload before it stops the process, so a child that finds a sibling's
 * socket gone, and has heard nothing yet, learns after one round trip
 * whether that sibling is being replaced: frames on one connection arrive
 * in order. Asked about a sibling that is starting for the first time (the
 * cluster's own start), the manager answers once that sibling listens;
 * asked with `started`, once the cluster's start is over.
 *
 * @module
 */

import { type Address, describe, isAddress } from "./address.ts";
import { SYNC } from "./control.ts";
import { FrameError } from "./errors.ts";

/**
 * What `$sync` carries: its id, and the process it is about, if one, or
 * `started` to be answered once the cluster's start is over.
 */
export interface SyncData {
  id: number;
  for?: Address;
  started?: true;
}

/**
 * The data of a `$sync` a child sent its manager, checked: an object with
 * an `id` (an integer >= 0), and `for` (a process's address) or `started`
 * (`true`), or neither. Taken unchecked, whatever a peer sent was held or
 * answered as it happened to read: `started: "no"` answered at once, a
 * `for` of no process held nothing, and no `id` an answer nobody waits for.
 *
 * @throws {FrameError} When it is not such data: a bad frame from `from`.
 */
export function syncData(from: Address, data: unknown): SyncData {
  const bad = (what: string) =>
    new FrameError(`Bad frame from ${describe(from)}: a "${SYNC}" ${what}`, {
      action: SYNC,
      peer: from,
    });
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw bad(
      `whose data is ${
        data === null ? "null" : Array.isArray(data) ? "an array" : typeof data
      }, not {id}, {id, for} or {id, started}`,
    );
  }
  const { id, for: about, started } = data as Record<string, unknown>;
  if (!Number.isSafeInteger(id) || (id as number) < 0) {
    throw bad(`whose id is ${JSON.stringify(id) ?? "missing"}, not an integer >= 0`);
  }
  if (about !== undefined && !isAddress(about)) {
    throw bad(`whose "for" is ${JSON.stringify(about)}, not a process's address`);
  }
  if (started !== undefined && started !== true) {
    throw bad(`whose "started" is ${JSON.stringify(started)}, not true`);
  }
  if (about !== undefined && started !== undefined) throw bad(`with both "for" and "started"`);
  return data as SyncData;
}

/** Who waits on one `$sync`: told of the answer, or that none will come. */
interface Waiter {
  answered(): void;
  ended(): void;
}

/** A child's `$sync` round trips to its manager, by id. */
export class ManagerSync {
  readonly #send: (data: SyncData) => boolean;
  readonly #waiting = new Map<number, Waiter>();
  #nextId = 0;

  /** @param send Sends `$sync` with `data` to the manager; whether it could. */
  constructor(send: (data: SyncData) => boolean) {
    this.#send = send;
  }

  /**
   * Resolves once the manager answered, or at once when it cannot be
   * asked; when the connection to it goes, with the rest.
   *
   * @param about The process this process could not reach: if it is
   * starting for the first time, the answer waits until it listens.
   */
  sync(about?: Address): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#ask(about === undefined ? {} : { for: about }, { answered: resolve, ended: resolve });
    return promise;
  }

  /**
   * Calls `started` when the manager answers that the cluster's start is
   * over (every child starting with it listened, and was ready): in the
   * task that reads the answer, before any frame after it; never when the
   * manager cannot be asked or is gone.
   */
  whenStarted(started: () => void): void {
    this.#ask({ started: true }, { answered: started, ended: () => {} });
  }

  /** The manager's `$synced`, with the id it was asked with. */
  synced(data: unknown): void {
    const id = (data as { id?: unknown } | null)?.id;
    if (typeof id !== "number") return;
    this.#waiting.get(id)?.answered();
    this.#waiting.delete(id);
  }

  /** The manager is gone, or this process closes: nobody waits any more. */
  endAll(): void {
    for (const waiter of this.#waiting.values()) waiter.ended();
    this.#waiting.clear();
  }

  #ask(question: Omit<SyncData, "id">, waiter: Waiter): void {
    const id = this.#nextId++;
    this.#waiting.set(id, waiter);
    if (this.#send({ id, ...question })) return;
    this.#waiting.delete(id);
    waiter.ended();
  }
}
