/**
 * `UntakenRelays`: what a manager relayed from other hosts to one child's
 * process and has not heard it take. The child says how many more relayed
 * frames it read and handed on (a TAKEN relay frame) after each batch, and
 * as it closes gracefully that it takes the rest (it reads on until the
 * manager closes). What is left when its connection closes otherwise (it
 * crashed with frames unread in its socket, or read but not handed on)
 * never reached it, and is refused to each sender, by count.
 *
 * @module
 */

import type { Address } from "./address.ts";

/** The senders of the frames relayed to one child's process and not said taken, oldest first. */
export class UntakenRelays {
  // One array of senders, not an object a frame: relaying allocates nothing here.
  #froms: Address[] = [];
  #head = 0;
  #takesTheRest = false;

  /** Whether the child said it takes all that still comes: it closes gracefully. */
  get takesTheRest(): boolean {
    return this.#takesTheRest;
  }

  /** The child closes gracefully: it reads and hands on all that still comes. */
  takeTheRest(): void {
    this.#takesTheRest = true;
  }

  /** A frame from `from` was relayed to the child. */
  add(from: Address): void {
    this.#froms.push(from);
  }

  /** How many relayed frames the child has not said it took. */
  get size(): number {
    return this.#froms.length - this.#head;
  }

  /** The child took the `count` oldest frames not said taken yet. */
  take(count: number): void {
    this.#head = Math.min(this.#head + count, this.#froms.length);
    // Let go of what was taken now and then, rather than at every TAKEN.
    if (this.#head > 1024 && this.#head * 2 > this.#froms.length) {
      this.#froms = this.#froms.slice(this.#head);
      this.#head = 0;
    }
  }

  /** How many frames not said taken came from each sender. */
  bySender(): Map<Address, number> {
    const counts = new Map<Address, number>();
    for (let i = this.#head; i < this.#froms.length; i++) {
      counts.set(this.#froms[i], (counts.get(this.#froms[i]) ?? 0) + 1);
    }
    return counts;
  }
}
