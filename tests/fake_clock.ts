/** A clock for tests where time is the subject: it moves only when the test says. */

import type { Clock } from "../src/clock.ts";

/** Time that moves only through {@linkcode FakeClock.advance}. */
export class FakeClock implements Clock {
  #now = 0;
  #nextId = 1;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): number {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(timer: unknown): void {
    this.#timers.delete(timer as number);
  }

  /** Timers armed and not yet run. */
  get timers(): number {
    return this.#timers.size;
  }

  /**
   * Moves time `ms` forward at once, as a process busy for that long sees
   * it, then runs the timers now due, earliest first (and those they arm,
   * if due too).
   */
  advance(ms: number): void {
    this.#now += ms;
    while (true) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= this.#now && (!due || entry[1].at < due[1].at)) due = entry;
      }
      if (!due) return;
      this.#timers.delete(due[0]);
      due[1].callback();
    }
  }
}

/**
 * A task of the machine's, for what a step on the fake clock set off: the
 * microtasks pending all run before it, however long their chain.
 */
export function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
