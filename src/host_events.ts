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

import type { LifecycleEvent } from "./lifecycle_event.ts";

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

/** What a manager took of another host's manager process's events. */
interface Heard {
  by: string;
  /** Every number up to this one was taken, or can never come again. */
  upTo: number;
  /** Numbers above `upTo` taken: those between are missed, and may be told again. */
  above: Set<number>;
  /** By child (its address): the number of its latest event taken. */
  latest: Map<unknown, number>;
}

/** A manager's numbered events, and the numbers it heard from the others. */
export class HostEvents {
  readonly #by = crypto.randomUUID();
  #n = 0;
  readonly #kept: NumberedEvent[] = [];
  /** By other host's manager: what it took of its events. */
  readonly #heard = new Map<string, Heard>();
  /**
   * By other host's manager: the number of this host's last event before
   * it joined, and its process's id once known.
   */
  readonly #since = new Map<string, { n: number; process: string | undefined }>();

  /** Numbers an event of this host's children, and keeps it to tell again. */
  number(event: LifecycleEvent): NumberedEvent {
    const numbered = { ...event, told: { by: this.#by, n: ++this.#n } };
    this.#kept.push(numbered);
    if (this.#kept.length > MOST_KEPT) this.#kept.shift();
    return numbered;
  }

  /**
   * Another host's manager joined (or this one started with it there): the
   * events before now were never told it, nor are they told again. Only
   * the first time for one process (`process`, its id, when known): one
   * that comes back (it was cut off past its keys' lifetime, and seen to
   * leave) missed what was told meanwhile, which it is told again. Another
   * process under the same name (the host's manager started again) is told
   * nothing from before it joined: counted from its first process, it was
   * told this host's past as news once either was back from being cut off.
   * At most `MOST_KEPT` hosts are remembered.
   */
  joined(manager: string, process?: string): void {
    const since = this.#since.get(manager);
    if (since !== undefined) {
      if (since.process !== undefined && process !== undefined && since.process !== process) {
        this.#since.delete(manager);
      } else {
        since.process ??= process;
        return;
      }
    }
    this.#since.set(manager, { n: this.#n, process });
    if (this.#since.size > MOST_KEPT) this.#since.delete(this.#since.keys().next().value!);
  }

  /**
   * Another host's manager left (`process`, its id, when known): known so,
   * one there as this manager started, whose join carried no id, is told
   * apart from the process that takes the host's name next.
   */
  left(manager: string, process?: string): void {
    const since = this.#since.get(manager);
    if (since) since.process ??= process;
  }

  /**
   * The latest events told `manager` since it joined, oldest first, to tell
   * it again. Told all, a host that joined later heard this host's
   * children's past (a reload long before it came, say) as news.
   */
  keptFor(manager: string): NumberedEvent[] {
    const since = this.#since.get(manager)?.n;
    if (since === undefined) return [];
    return this.#kept.filter((event) => event.told.n > since);
  }

  /**
   * Whether an event `manager` told about its child `address`, numbered
   * `told` (undefined: not numbered), is new here: it is taken then. One
   * missed and told again is taken though later ones came first (sent as
   * both hosts were back, before the answer to `$resend`), unless a later
   * event of the same child was taken: that one says where it is now, and
   * the older, taken after it, would say otherwise. The first event of a
   * manager process taken here stands for those before it (the host's
   * `hostJoined` said what it runs).
   */
  take(manager: string, told: Told | undefined, address: unknown): boolean {
    if (told === undefined) return true;
    const { by, n } = told;
    let heard = this.#heard.get(manager);
    if (heard?.by !== by) {
      heard = { by, upTo: n - 1, above: new Set(), latest: new Map() };
    } else if (n <= heard.upTo || heard.above.has(n)) {
      return false;
    }
    if ((heard.latest.get(address) ?? 0) > n) return false;
    heard.latest.set(address, n);
    heard.above.add(n);
    // Numbers more than MOST_KEPT below the latest are no longer kept there: never told again.
    heard.upTo = Math.max(heard.upTo, n - MOST_KEPT);
    for (const taken of heard.above) if (taken <= heard.upTo) heard.above.delete(taken);
    while (heard.above.delete(heard.upTo + 1)) heard.upTo++;
    this.#heard.delete(manager);
    this.#heard.set(manager, heard);
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
