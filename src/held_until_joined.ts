/**
 * What other hosts send to this host's children while no process of theirs
 * is joined to the manager. A host is in the cluster's membership, and
 * other hosts send to its processes, from before its children run; and a
 * child told to exit stops reading before its next process joins. What
 * comes for one of them meanwhile is held, in order, and delivered once a
 * process of it joins, rather than bounced as undelivered, or lost as its
 * old process closes. Past a limit per child, what comes is bounced; what
 * is still held when the child will have no next process, or the host
 * closes, is bounced then.
 *
 * @module
 */

import type { Address } from "./address.ts";

/** The bytes held for one child before what comes for it is bounced. */
export const HOLD_LIMIT = 8 * 1024 * 1024;

/** One payload held: who sent it, and a copy of it. */
export interface Held {
  from: Address;
  payload: Uint8Array;
}

/** What waits for this host's children that have not joined yet. */
export class HeldUntilJoined {
  /** By child that has not joined yet: what waits for it, and its bytes. */
  readonly #waiting = new Map<Address, { held: Held[]; bytes: number }>();

  /** @param children This host's children, none joined yet. */
  constructor(children: Iterable<Address>) {
    for (const child of children) this.#waiting.set(child, { held: [], bytes: 0 });
  }

  /**
   * Holds a payload from `from` for `to`, if `to` has not joined yet.
   *
   * @returns `"held"`; `"full"` when `to` has not joined but what waits
   * for it is at the limit (bounce it); `"joined"` when `to` has joined or
   * is no child of this host (deliver it now).
   */
  hold(from: Address, to: Address, payload: Uint8Array): "held" | "full" | "joined" {
    const waiting = this.#waiting.get(to);
    if (waiting === undefined) return "joined";
    if (waiting.bytes + payload.length > HOLD_LIMIT) return "full";
    // A payload is valid only during the call that delivers it.
    waiting.held.push({ from, payload: payload.slice() });
    waiting.bytes += payload.length;
    return "held";
  }

  /** `child` is told to exit: what comes for it is held again, for its next process. */
  wait(child: Address): void {
    if (!this.#waiting.has(child)) this.#waiting.set(child, { held: [], bytes: 0 });
  }

  /**
   * What was held for `child`, in order: to deliver, as a process of it
   * joined, or to bounce, as it will have none. Nothing is held for it
   * from now on.
   */
  release(child: Address): Held[] {
    const held = this.#waiting.get(child)?.held ?? [];
    this.#waiting.delete(child);
    return held;
  }

  /** The host closes: what is still held, by child, to bounce. Nothing is held from now on. */
  close(): [Address, Held[]][] {
    const left = [...this.#waiting].map(([child, { held }]): [Address, Held[]] => [child, held]);
    this.#waiting.clear();
    return left.filter(([, held]) => held.length > 0);
  }
}
