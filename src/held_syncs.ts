/**
 * `$sync` answers the manager holds back: a child that could not reach a
 * sibling starting with the cluster asks its manager about it (see
 * `ManagerSync`), and is answered once that sibling listens (it joined
 * the manager, which a child does once it listens, or it said `$ready`)
 * or the cluster stops (a child that exits as the cluster starts fails the
 * start); one that asks whether the start is over, once it is. Answered
 * then, in order after every event sent before, as any `$synced` is.
 *
 * @module
 */

import type { Address } from "./address.ts";

/** The answers held, by the child each waits for. */
export class HeldSyncs {
  readonly #held = new Map<Address, (() => void)[]>();
  /** Answers that wait for the cluster's start to be over. */
  #untilStarted: (() => void)[] | undefined = [];

  /** Answers with `answer` once `child` listens, or every answer is let go. */
  hold(child: Address, answer: () => void): void {
    const answers = this.#held.get(child);
    if (answers) answers.push(answer);
    else this.#held.set(child, [answer]);
  }

  /** `child` listens now: those who asked about it are answered. */
  release(child: Address): void {
    const answers = this.#held.get(child);
    this.#held.delete(child);
    for (const answer of answers ?? []) answer();
  }

  /** Answers with `answer` once the cluster's start is over (at once if it is). */
  holdUntilStarted(answer: () => void): void {
    if (this.#untilStarted) this.#untilStarted.push(answer);
    else answer();
  }

  /** The cluster's start is over (or failed): those waiting for it are answered. */
  started(): void {
    const answers = this.#untilStarted ?? [];
    this.#untilStarted = undefined;
    for (const answer of answers) answer();
  }

  /** The cluster stops: everyone is answered. */
  releaseAll(): void {
    for (const child of [...this.#held.keys()]) this.release(child);
    this.started();
  }
}
