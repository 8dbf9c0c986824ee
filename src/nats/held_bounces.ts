/**
 * Bounces a host could not publish yet: its connection to the server was
 * down, or its keys may have lapsed, and another process may hold its name
 * (a bounce under it would fail, on the sender's host, what the sender has
 * open with that process's namesake). The message they speak of was
 * confirmed to its sender (it came, and was counted), so, dropped, the
 * sender would never hear it was not delivered. They wait here, in order,
 * and go once the host can speak again; past a bound, what else would wait
 * is counted, by why it waited, and said here instead.
 *
 * @module
 */

import type { Address } from "../address.ts";

/** How many bounces wait, at most, while the host cannot speak. */
export const MOST_HELD = 1_024;

/** A bounce that waits: to whom it goes, and what it says. */
export interface HeldBounce {
  host: string;
  from: Address;
  to: Address;
  body: Uint8Array;
  /** How many messages it speaks for. */
  count: number;
}

/** The bounces waiting for the host to speak again; `Why` names why one waits. */
export class HeldBounces<Why = string> {
  #held: HeldBounce[] = [];
  /** By why they would have waited: messages whose bounces could not, whose senders will not hear. */
  #untold = new Map<Why, number>();

  /** Keeps `bounce`, unless too many wait: then it is counted under `why` it would have. */
  hold(bounce: HeldBounce, why: Why): void {
    if (this.#held.length < MOST_HELD) this.#held.push(bounce);
    else this.#untold.set(why, (this.#untold.get(why) ?? 0) + bounce.count);
  }

  /**
   * Hands over what waits, oldest first, and how many messages' senders
   * were never to be told, by why; nothing waits after.
   */
  take(): { bounces: HeldBounce[]; untold: Map<Why, number> } {
    const taken = { bounces: this.#held, untold: this.#untold };
    this.#held = [];
    this.#untold = new Map();
    return taken;
  }
}
