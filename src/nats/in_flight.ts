/**
 * What one host sent another and has not had confirmed: the number of
 * each message, the bytes sent up to and including it, and who sent it to
 * whom, to tell them if it never comes. The receiver confirms by number,
 * the highest it has had, so that a message lost on the way (counted,
 * reported) is confirmed with those after it, and the window it took is
 * freed.
 *
 * @module
 */

import type { Address } from "../address.ts";

/** How many messages each sender sent each target. */
export type CountsByWay = Map<Address, Map<Address, number>>;

/** Messages in flight to one host, oldest first. */
export class InFlight {
  #seqs: number[] = [];
  #ends: number[] = [];
  // Arrays side by side rather than an object a message: sends allocate nothing here.
  #froms: Address[] = [];
  #tos: Address[] = [];
  #head = 0;

  /** Message `seq` went from `from` to `to`, and `end` bytes have gone with it. */
  add(seq: number, end: number, from: Address, to: Address): void {
    this.#seqs.push(seq);
    this.#ends.push(end);
    this.#froms.push(from);
    this.#tos.push(to);
  }

  /** How many messages are not confirmed. */
  get unconfirmed(): number {
    return this.#seqs.length - this.#head;
  }

  /** The number of the oldest message not confirmed; undefined when all are. */
  get oldest(): number | undefined {
    return this.#head < this.#seqs.length ? this.#seqs[this.#head] : undefined;
  }

  /** Who sent what is not confirmed, to whom: a count by sender and target. */
  unconfirmedByWay(): CountsByWay {
    return this.between(-Infinity, Infinity);
  }

  /** Who sent the messages numbered `first` to `end` (not included), to whom, not confirmed. */
  between(first: number, end: number): CountsByWay {
    const counts: CountsByWay = new Map();
    for (let i = this.#head; i < this.#seqs.length && this.#seqs[i] < end; i++) {
      if (this.#seqs[i] >= first) count(counts, this.#froms[i], this.#tos[i]);
    }
    return counts;
  }

  /**
   * Everything up to message `seq` is confirmed.
   *
   * @returns The bytes sent up to it, or undefined when nothing in flight was.
   */
  confirm(seq: number): number | undefined {
    let end: number | undefined;
    const seqs = this.#seqs;
    while (this.#head < seqs.length && seqs[this.#head] <= seq) end = this.#ends[this.#head++];
    // Let go of what was confirmed, now and then rather than at every ack.
    if (this.#head > 1024 && this.#head * 2 > seqs.length) {
      this.#seqs = seqs.slice(this.#head);
      this.#ends = this.#ends.slice(this.#head);
      this.#froms = this.#froms.slice(this.#head);
      this.#tos = this.#tos.slice(this.#head);
      this.#head = 0;
    }
    return end;
  }
}

/** Counts one more message from `from` to `to`. */
function count(counts: CountsByWay, from: Address, to: Address): void {
  const byTarget = counts.get(from) ?? new Map<Address, number>();
  counts.set(from, byTarget.set(to, (byTarget.get(to) ?? 0) + 1));
}
