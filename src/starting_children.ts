/**
 * What a child starting is told of the processes being replaced, and what
 * it misses of them before it can hear it. Its bootstrap says which
 * processes are being replaced as it is spawned, so that its first
 * requests to them wait for their new process; the events about them that
 * come before it has joined, the manager keeps, and sends it once it says
 * it is ready, so that it waits for nothing that is back already.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { LifecycleEvent } from "./types.ts";

/** A child between its spawn and its `$ready`. */
interface Starting {
  /** What its bootstrap said is being replaced. */
  told: ReadonlySet<Address>;
  /** The events about those it was not connected to hear. */
  missed: LifecycleEvent[];
}

/** The children starting, and what each missed of the processes it was told of. */
export class StartingChildren {
  readonly #starting = new Map<Address, Starting>();

  /** `child` is spawned, told that `replacing` are being replaced. */
  told(child: Address, replacing: readonly Address[]): void {
    if (replacing.length === 0) this.#starting.delete(child);
    else this.#starting.set(child, { told: new Set(replacing), missed: [] });
  }

  /** `event` went to the children in `connected`: those starting and not among them missed it. */
  announced(event: LifecycleEvent, connected: readonly Address[]): void {
    for (const [child, starting] of this.#starting) {
      if (starting.told.has(event.address) && !connected.includes(child)) {
        starting.missed.push(event);
      }
    }
  }

  /** `child` is ready: what it missed, in order, to send it now. */
  ready(child: Address): LifecycleEvent[] {
    const missed = this.#starting.get(child)?.missed ?? [];
    this.#starting.delete(child);
    return missed;
  }
}
