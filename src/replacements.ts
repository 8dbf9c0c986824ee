/**
 * The processes on their way to a replacement: a request to one of them by
 * id or name waits for the new process rather than failing. A process is
 * being replaced from when its reload is announced, or it says it is
 * leaving or refuses a request because it stops alone (a reload, or a
 * SIGTERM to it alone, after which it is restarted), or it exits cleanly
 * to be restarted, until it is announced ready. It will not come back once
 * it exits not to be restarted, is given up, or its host leaves; and none
 * comes once the cluster stops. A crash is not a replacement: requests to
 * a crashed process fail at once, as README's failure semantics say.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { Clock } from "./clock.ts";
import { within } from "./deadline.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";

/**
 * How a wait for a replacement ended: a process it waited for is ready
 * (with `anyReady`, any process), one will not come back, or none will
 * (the cluster stops).
 */
export type Comeback = "ready" | "gone" | "ending";

/** One wait: for which processes, and whether any process ready ends it. */
interface Waiter {
  awaited: readonly Address[];
  anyReady: boolean;
  resolve(how: Comeback): void;
}

/** What this process knows of processes being replaced, and who waits for them. */
export class Replacements {
  /** Whether an address is in the cluster now: one that left is no longer awaited. */
  readonly #present: (address: Address) => boolean;
  readonly #replacing = new Set<Address>();
  /** Those of them known to refuse new requests already: nothing is sent to them. */
  readonly #refusing = new Set<Address>();
  readonly #waiters = new Set<Waiter>();
  /** Processes restarted and not ready since: one that exits cleanly is no replacement. */
  readonly #unready = new Set<Address>();
  #ended = false;

  constructor(present: (address: Address) => boolean) {
    this.#present = present;
  }

  /** Whether the cluster stops: no process is replaced any more. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Whether `address` is being replaced: a request to it should wait for the new one. */
  has(address: Address): boolean {
    return this.#replacing.has(address);
  }

  /** The processes being replaced now. */
  list(): Address[] {
    return [...this.#replacing];
  }

  /** Whether `address` is being replaced and refuses new requests already. */
  refusing(address: Address): boolean {
    return this.#refusing.has(address);
  }

  /** Whether any process is being replaced and refuses new requests already. */
  get refusingAny(): boolean {
    return this.#refusing.size > 0;
  }

  /** `address` said it is leaving, or refused a request because it is stopping alone. */
  leaves(address: Address): void {
    if (this.#ended) return;
    this.#replacing.add(address);
    this.#refusing.add(address);
  }

  /** Learns from a lifecycle event who is being replaced and who is back. */
  heard(event: LifecycleEvent): void {
    switch (event.type) {
      case "reload":
        if (!this.#ended) this.#replacing.add(event.address);
        break;
      case "restart":
        this.#unready.add(event.address);
        break;
      case "ready":
        this.#unready.delete(event.address);
        this.#end(event.address, "ready");
        break;
      case "exit":
        if (!event.restart) {
          this.#unready.delete(event.address);
          this.#end(event.address, "gone");
        } else if (event.code === 0 && event.signal === null) {
          // A running process that exits cleanly to be restarted (a SIGTERM
          // to it alone, its own `Deno.exit(0)`) is a replacement, also for
          // those it never told it was leaving; a crash is not. One that
          // exits cleanly as it starts is not either: that is a failed start
          // (code that never called `connect()`), which may be given up.
          if (this.#unready.has(event.address)) this.#end(event.address, "gone");
          else if (!this.#ended) this.#replacing.add(event.address);
        }
        break;
      case "fatal":
        this.#unready.delete(event.address);
        this.#end(event.address, "gone");
        break;
      case "hostJoined":
        for (const address of [...event.workers, ...event.services]) {
          this.#unready.delete(address);
          this.#end(address, "ready");
        }
        break;
      case "hostLeft":
        // Its processes left the cluster's layout before this event came.
        for (const address of this.#replacing) {
          if (!this.#present(address)) this.#end(address, "gone");
        }
        for (const address of this.#unready) {
          if (!this.#present(address)) this.#unready.delete(address);
        }
        break;
    }
  }

  /**
   * The next news of `awaited` (see {@linkcode Comeback}), or the end of
   * the wait: `timeLeft` ms passed, or `signal` aborted.
   *
   * @param anyReady Whether any process announced ready ends it too (for `ANY`).
   */
  async news(
    awaited: readonly Address[],
    timeLeft: number,
    { clock, signal, anyReady = false }: { clock: Clock; signal?: AbortSignal; anyReady?: boolean },
  ): Promise<Comeback | "timeout" | "aborted"> {
    if (this.#ended) return "ending";
    const { promise, resolve } = Promise.withResolvers<Comeback>();
    const waiter: Waiter = { awaited, anyReady, resolve };
    this.#waiters.add(waiter);
    try {
      return await within(promise, timeLeft, clock, signal);
    } finally {
      this.#waiters.delete(waiter);
    }
  }

  /** The cluster stops: nothing is replaced any more, and every wait ends. */
  end(): void {
    this.#ended = true;
    this.#replacing.clear();
    this.#refusing.clear();
    this.#unready.clear();
    for (const waiter of this.#waiters) waiter.resolve("ending");
  }

  #end(address: Address, how: "ready" | "gone"): void {
    this.#replacing.delete(address);
    this.#refusing.delete(address);
    for (const waiter of this.#waiters) {
      if (waiter.awaited.includes(address) || (how === "ready" && waiter.anyReady)) {
        waiter.resolve(how);
      }
    }
  }
}
