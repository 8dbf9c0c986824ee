/**
 * The processes on their way to a replacement: a request to one of them by
 * id or name waits for the new process rather than failing. A process is
 * being replaced from when its reload is announced, or it says it is
 * leaving or refuses a request because it stops alone (a reload, or a
 * SIGTERM to it alone, after which it is restarted), until it is announced
 * ready. It will not come back once it exits not to be restarted or is
 * given up. A crash is not a replacement: requests to a crashed process
 * fail at once, as README's failure semantics say.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { Clock } from "./clock.ts";
import type { LifecycleEvent } from "./types.ts";

/**
 * How a wait for a replacement ended: the process is ready again, it will
 * not come back, something else changed (a host left: look again), or
 * this process stops asking.
 */
export type Comeback = "ready" | "gone" | "changed" | "ending";

/** What this process knows of processes being replaced, and who waits for them. */
export class Replacements {
  readonly #replacing = new Set<Address>();
  readonly #waiters = new Map<Address, Set<(how: Comeback) => void>>();

  /** Whether `address` is being replaced: a request to it should wait for the new one. */
  has(address: Address): boolean {
    return this.#replacing.has(address);
  }

  /** `address` said it is leaving, or refused a request because it is stopping alone. */
  leaves(address: Address): void {
    this.#replacing.add(address);
  }

  /** Learns from a lifecycle event who is being replaced and who is back. */
  heard(event: LifecycleEvent): void {
    switch (event.type) {
      case "reload":
        this.#replacing.add(event.address);
        break;
      case "ready":
        this.#end(event.address, "ready");
        break;
      case "exit":
        if (!event.restart) this.#end(event.address, "gone");
        break;
      case "fatal":
        this.#end(event.address, "gone");
        break;
      case "hostJoined":
        for (const worker of event.workers) this.#end(worker, "ready");
        break;
      case "hostLeft":
        // Its processes left the layout: each waiter looks whether its own did.
        for (const address of [...this.#waiters.keys()]) this.#wake(address, "changed");
        break;
    }
  }

  /**
   * The next news of any of `awaited` (see {@linkcode Comeback}), or the
   * end of the wait: `timeLeft` ms passed, or `signal` aborted.
   */
  async news(
    awaited: readonly Address[],
    timeLeft: number,
    { clock, signal }: { clock: Clock; signal?: AbortSignal },
  ): Promise<Comeback | "timeout" | "aborted"> {
    const { promise, resolve } = Promise.withResolvers<Comeback | "timeout" | "aborted">();
    for (const address of awaited) {
      let waiters = this.#waiters.get(address);
      if (waiters === undefined) this.#waiters.set(address, waiters = new Set());
      waiters.add(resolve);
    }
    const timer = Number.isFinite(timeLeft)
      ? clock.setTimeout(() => resolve("timeout"), Math.max(0, timeLeft))
      : undefined;
    const abort = () => resolve("aborted");
    signal?.addEventListener("abort", abort, { once: true });
    try {
      return await promise;
    } finally {
      for (const address of awaited) this.#forget(address, resolve);
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
    }
  }

  /** This process stops asking (it stops or closes): every wait ends. */
  endAll(): void {
    for (const address of [...this.#waiters.keys()]) this.#wake(address, "ending");
  }

  #forget(address: Address, waiter: (how: Comeback) => void): void {
    const waiters = this.#waiters.get(address);
    if (waiters?.delete(waiter) && waiters.size === 0) this.#waiters.delete(address);
  }

  #end(address: Address, how: Comeback): void {
    this.#replacing.delete(address);
    this.#wake(address, how);
  }

  #wake(address: Address, how: Comeback): void {
    const waiters = this.#waiters.get(address);
    if (waiters === undefined) return;
    this.#waiters.delete(address);
    for (const resolve of waiters) resolve(how);
  }
}
