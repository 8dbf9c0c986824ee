/**
 * Waiting for a send queue to drain: the promises behind `drained()`.
 *
 * @module
 */

/** Promises that resolve once a queue's byte count falls to their limit. */
export class DrainWaiters {
  #waiters: { limit: number; resolve: () => void }[] = [];

  /** Resolves once the queue holds at most `limit` bytes; at once if it does now. */
  wait(queued: number, limit: number): Promise<void> {
    if (queued <= limit) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push({ limit, resolve });
    return promise;
  }

  /** Tells the waiters the queue now holds `queued` bytes. */
  update(queued: number): void {
    if (this.#waiters.length === 0) return;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (queued > waiter.limit) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Resolves every waiter: the queue will never drain, it is gone. */
  releaseAll(): void {
    this.update(0);
  }
}
