/**
 * Choosing a worker for `ANY`: the one this process has the
 * fewest requests open to (a streamed answer still coming is one), ties
 * broken in turn. Open requests are what a process knows of a worker's
 * load without asking: a worker still busy with a long request has its
 * answer still open, so new work goes around it; taking turns among
 * equals spreads plain messages (which open nothing) and a steady stream
 * of short requests evenly.
 *
 * @module
 */

import type { Address } from "./address.ts";

/** Picks workers for `ANY`, taking turns among the least busy. */
export class WorkerChooser {
  #turn = 0;

  /**
   * The workers in the order to try them: fewest open requests first,
   * then from where the last choice left off.
   */
  candidates(workers: readonly Address[], openTo: (worker: Address) => number): Address[] {
    const count = workers.length;
    const start = count === 0 ? 0 : this.#turn % count;
    const order = workers.map((worker, index) => ({
      worker,
      open: openTo(worker),
      place: (index - start + count) % count,
    }));
    order.sort((a, b) => a.open - b.open || a.place - b.place);
    return order.map((candidate) => candidate.worker);
  }

  /** `worker` was chosen: the next turn starts after it. */
  chose(worker: Address, workers: readonly Address[]): void {
    this.#turn = workers.indexOf(worker) + 1;
  }
}
