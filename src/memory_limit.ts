/**
 * The memory limit (`maxMemory`) as the supervisor keeps it: what becomes
 * of a ready child its memory watch (`memory_watch.ts`) found over its
 * limit. One that grew past it is replaced each time, its restart budget
 * untouched; one over it from its start spends that budget, and past it
 * is stopped alone and given up, as a crash loop is.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import { restartOf, type Slot } from "./child_slot.ts";
import type { Clock } from "./clock.ts";
import { MemoryLimitError } from "./errors.ts";
import { MemoryWatch } from "./memory_watch.ts";
import { mebibytes } from "./resident_memory.ts";
import type { RestartPolicy } from "./restart_policy.ts";
import type { Restarts } from "./restarts.ts";
import type { SpawnedChild } from "./spawn.ts";

/** What the memory limit needs of the supervisor. */
export interface MemoryLimitOptions {
  /** The time the restart policy counts in, and the timer of the checks. */
  clock: Clock;
  /** The cluster's restart policy, unless a child has its own. */
  restart: RestartPolicy | null;
  /** The supervisor's children, read as they are now at each check. */
  slots: ReadonlyMap<Address, Slot>;
  /** Whether the cluster stops: nothing is read or replaced any more. */
  stopping(): boolean;
  /** A process's resident set size in bytes, undefined once it is gone. */
  residentBytes(pid: number): number | undefined;
  /**
   * Runs `task` once the reloads asked before it are done; those asked
   * after it wait for it (see `Reloads.queue`).
   */
  queue(task: () => Promise<void>): Promise<void>;
  /** Replaces `child` as a reload does, running the same code (see `Reloads.replace`). */
  replace(child: Slot): Promise<void>;
  /** A child is being stopped alone: its requests wait, until its `fatal` event. */
  stoppingAlone(address: Address): void;
  /** Stops `spawned`, the process of `child`, alone, in the two phases of a reload's stop. */
  stopAlone(child: Slot, spawned: SpawnedChild): Promise<void>;
  /** Gives a child up (see `Restarts.afterFailure`). */
  restarts: Restarts;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
}

/** A ready child the memory watch reads: its slot, its process, its limit. */
interface Checked {
  child: Slot;
  spawned: SpawnedChild;
  pid: number;
  limit: number;
}

/** Replaces the children that hold more than their `maxMemory`, or gives them up. */
export class MemoryLimit {
  readonly #options: MemoryLimitOptions;
  /** Reads the memory of the ready children given a `maxMemory`. */
  readonly #watch: MemoryWatch<Checked>;
  /** Processes found over their `maxMemory`: replaced once, not read again. */
  readonly #foundOver = new WeakSet<SpawnedChild>();
  /** Processes read within their `maxMemory` once: found over later, they grew past it. */
  readonly #keptUnder = new WeakSet<SpawnedChild>();

  constructor(options: MemoryLimitOptions) {
    this.#options = options;
    this.#watch = new MemoryWatch({
      clock: options.clock,
      children: () => this.#checked(),
      residentBytes: options.residentBytes,
      over: ({ child, spawned }, rss) => this.#overMemory(child, spawned, rss),
      under: ({ spawned }) => this.#keptUnder.add(spawned),
      report: (error) => options.report(error),
    });
  }

  /** Starts the checks, once the cluster runs: a replacement is a reload, which waits for the start. */
  start(): void {
    this.#watch.start();
  }

  /** Stops the checks (the cluster stops): no timer is left. */
  stop(): void {
    this.#watch.stop();
  }

  /**
   * The children the memory watch reads now: those with a `maxMemory`
   * whose process is ready, and not stopping (its stop has `stopTimeout`)
   * nor found over already.
   */
  *#checked(): Iterable<Checked> {
    if (this.#options.stopping()) return;
    for (const child of this.#options.slots.values()) {
      const spawned = child.process;
      const limit = child.spec.maxMemory;
      if (
        limit === undefined || !spawned || child.state !== "ready" || child.leaving ||
        this.#foundOver.has(spawned)
      ) continue;
      yield { child, spawned, pid: spawned.process.pid, limit };
    }
  }

  /**
   * The memory watch found `child`'s process holding `rss` bytes, over its
   * `maxMemory`: it is replaced as a reload replaces it, once the reloads
   * asked before are done, unless it is gone by then.
   */
  #overMemory(child: Slot, spawned: SpawnedChild, rss: number): void {
    this.#foundOver.add(spawned);
    const run = this.#options.queue(() => this.#replaceForMemory(child, spawned, rss));
    run.catch((error) => {
      // Stopped by the cluster's stop: nothing to say.
      if (!this.#options.stopping()) this.#options.report(error);
    });
  }

  /**
   * Replaces a child that holds more than its `maxMemory`, counted as a
   * restart. One that grew past it (it was read within it before, and ran
   * `maxBackoff` or more since it was ready) is replaced each time, as PM2
   * does: a leak under steady traffic would else spend the budget and,
   * escalated, stop the whole server. One over it at its first reading,
   * or sooner than `maxBackoff` after it was ready, needs more than its
   * limit to run at all (a worker that fills its caches once it runs is
   * read within it a moment after its start), and would be replaced for
   * ever, every second or two: that spends its restart budget, and past it
   * (`maxRestarts` within `period`) it is stopped alone, gracefully all the
   * same, and given up as a crash loop is. So a leak is replaced at most
   * about once a `maxBackoff`, as a child that recycles itself is restarted.
   */
  async #replaceForMemory(child: Slot, spawned: SpawnedChild, rss: number): Promise<void> {
    const { stopping } = this.#options;
    // It crashed, or was reloaded, while reloads before this one ran.
    if (stopping() || child.process !== spawned || child.state !== "ready") return;
    const limit = child.spec.maxMemory!;
    const now = this.#options.clock.now();
    // `maxMemory` is refused with `restart: false`: a policy and a budget there are.
    const { maxBackoff } = restartOf(child.spec, this.#options.restart)!;
    const grew = this.#keptUnder.has(spawned) && now - child.readyAt >= maxBackoff;
    const replaced = grew || child.budget!.onExit(now) !== undefined;
    const what = `used ${mebibytes(rss)}, over maxMemory (${mebibytes(limit)})`;
    this.#options.report(
      new MemoryLimitError(
        `${describe(child.address)} ${what}: ${
          replaced ? "it is replaced" : "it is stopped, and stays down"
        }`,
        { rss, maxMemory: limit },
        { peer: child.address },
      ),
    );
    if (replaced) {
      child.restarts++;
      return await this.#options.replace(child);
    }
    // No `reload` event: no new process comes. Its requests wait as for a
    // process stopping alone, until its `fatal` event says it is gone.
    this.#options.stoppingAlone(child.address);
    await this.#options.stopAlone(child, spawned);
    if (stopping()) return;
    this.#options.restarts.afterFailure(child, undefined, `${what},`);
  }
}
