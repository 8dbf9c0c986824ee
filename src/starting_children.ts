/**
 * What a child starting misses before it can hear it. Its bootstrap says
 * which processes are being replaced as it is spawned, so that its first
 * requests to them wait for their new process; the events about them that
 * come before it has joined, the manager keeps, and sends it once it says
 * it is ready, so that it waits for nothing that is back already. Its
 * bootstrap also carries the cluster's layout: if hosts joined or left
 * meanwhile, it is told the layout as it is now.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { Layout } from "./layout.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";

/** A child between its spawn and its `$ready`. */
interface Starting {
  /** What its bootstrap said is being replaced. */
  told: ReadonlySet<Address>;
  /** The events about those it was not connected to hear. */
  missed: LifecycleEvent[];
  /** The layout its bootstrap carried. */
  layout: Layout;
}

/** What a child missed while it started, to tell it at its `$ready`. */
export interface Missed {
  /** The events about the processes it was told are being replaced, in order. */
  events: LifecycleEvent[];
  /** The cluster's layout now, if it changed since its bootstrap. */
  layout: Layout | undefined;
}

/** The children starting, and what each missed of the processes it was told of. */
export class StartingChildren {
  readonly #starting = new Map<Address, Starting>();

  /** `child` is spawned, told that `replacing` are being replaced, and the cluster is `layout`. */
  told(child: Address, replacing: readonly Address[], layout: Layout): void {
    this.#starting.set(child, { told: new Set(replacing), missed: [], layout });
  }

  /** `event` went to the children in `connected`: those starting and not among them missed it. */
  announced(event: LifecycleEvent, connected: readonly Address[]): void {
    for (const [child, starting] of this.#starting) {
      if (starting.told.has(event.address) && !connected.includes(child)) {
        starting.missed.push(event);
      }
    }
  }

  /**
   * `child` is connected, and an event is about to be sent it: what it
   * missed before, to send it first (taken: its `$ready` does not send them
   * again). Sent at its `$ready` instead, behind that newer event, they
   * undid it: a sibling's `restart` after its `ready` left the sibling
   * taken for one not ready since, whose next clean exit is a failed start.
   */
  missedBefore(child: Address): LifecycleEvent[] {
    const starting = this.#starting.get(child);
    if (!starting || starting.missed.length === 0) return [];
    return starting.missed.splice(0);
  }

  /** `child` is ready, and the cluster is `layout`: what it missed, to send it now. */
  ready(child: Address, layout: Layout): Missed {
    const starting = this.#starting.get(child);
    this.#starting.delete(child);
    return {
      events: starting?.missed ?? [],
      // A layout is replaced, never changed, as hosts come and go.
      layout: starting && starting.layout !== layout ? layout : undefined,
    };
  }
}
