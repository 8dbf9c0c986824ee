/**
 * What one host sent another and has not had confirmed: the number of
 * each message and the bytes sent up to and including it. The receiver
 * confirms by number, the highest it has had, so that a message lost on
 * the way (counted, reported) is confirmed with those after it, and the
 * window it took is freed.
 *
 * @module
 */

/** Messages in flight to one host, oldest first. */
export class InFlight {
  #seqs: number[] = [];
  #ends: number[] = [];
  #head = 0;

  /** Message `seq` went, and `end` bytes have gone with it. */
  add(seq: number, end: number): void {
    this.#seqs.push(seq);
    this.#ends.push(end);
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
      this.#head = 0;
    }
    return end;
  }
}
