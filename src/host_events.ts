/**
 * The lifecycle events a manager tells the other hosts' managers about its
 * own children, numbered, and the latest kept to be told again once this
 * host, or another, is back from being cut off (its connection to NATS
 * dropped): what was sent meanwhile went nowhere, and nothing else would
 * tell it. Told before, a process there that heard a worker `exit` before
 * the drop never heard it `ready` after, and waited for ever. A manager
 * takes each host's events once, by their numbers: those told again that
 * it had are dropped.
 *
 * @module
 */

import type { LifecycleEvent } from "./types.ts";

/** Which process of a host's manager told an event, and its number there. */
export interface Told {
  /** That manager process's own id, random: a new process of the host counts afresh. */
  by: string;
  /** 1 for its first event, and so on. */
  n: number;
}

/** An event as one manager tells it another: with its number. */
export type NumberedEvent = LifecycleEvent & { told: Told };

/**
 * The most events kept to tell again, the oldest let go first: a child's
 * state is its last event, and 1,024 cover a restart loop of many children
 * through an outage of minutes. Also the most hosts whose numbers are kept.
 */
export const MOST_KEPT = 1_024;

/** A manager's numbered events, and the numbers it heard from the others. */
export class HostEvents {
  readonly #by = crypto.randomUUID();
  #n = 0;
  readonly #kept: NumberedEvent[] = [];
  /** By other host's manager: the last of its events taken. */
  readonly #heard = new Map<string, Told>();

  /** Numbers an event of this host's children, and keeps it to tell again. */
  number(event: LifecycleEvent): NumberedEvent {
    const numbered = { ...event, told: { by: this.#by, n: ++this.#n } };
    this.#kept.push(numbered);
    if (this.#kept.length > MOST_KEPT) this.#kept.shift();
    return numbered;
  }

  /** The latest events, oldest first, to tell again. */
  kept(): readonly NumberedEvent[] {
    return this.#kept;
  }

  /**
   * Whether an event `manager` told, numbered `told` (undefined: not
   * numbered), is new here: it is taken then.
   */
  take(manager: string, told: Told | undefined): boolean {
    if (told === undefined) return true;
    const last = this.#heard.get(manager);
    if (last?.by === told.by && told.n <= last.n) return false;
    this.#heard.delete(manager);
    this.#heard.set(manager, told);
    if (this.#heard.size > MOST_KEPT) this.#heard.delete(this.#heard.keys().next().value!);
    return true;
  }
}

/** `data.told` when it is a {@linkcode Told}; undefined when left out; null when malformed. */
export function toldOf(data: { told?: unknown }): Told | undefined | null {
  const told = data.told as Partial<Told> | undefined;
  if (told === undefined) return undefined;
  if (typeof told !== "object" || told === null) return null;
  return typeof told.by === "string" && Number.isSafeInteger(told.n) && told.n! > 0
    ? { by: told.by, n: told.n! }
    : null;
}
