/**
 * Bounces a host could not publish because its connection to the server
 * was down: the message they speak of was confirmed to its sender (it came,
 * and was counted), so, dropped, the sender would never hear it was not
 * delivered. They wait here, in order, and go once the connection is back;
 * past a bound, what else would wait is counted and said here instead.
 *
 * @module
 */

import type { Address } from "../address.ts";

/** How many bounces wait, at most, while the connection is down. */
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

/** The bounces waiting for the connection to come back. */
export class HeldBounces {
  #held: HeldBounce[] = [];
  /** Messages whose bounces could not wait: their senders will not hear. */
  #untold = 0;

  /** Keeps `bounce`, unless too many wait. */
  hold(bounce: HeldBounce): void {
    if (this.#held.length < MOST_HELD) this.#held.push(bounce);
    else this.#untold += bounce.count;
  }

  /**
   * Hands over what waits, oldest first, and how many messages' senders
   * were never to be told; nothing waits after.
   */
  take(): { bounces: HeldBounce[]; untold: number } {
    const taken = { bounces: this.#held, untold: this.#untold };
    this.#held = [];
    this.#untold = 0;
    return taken;
  }
}
