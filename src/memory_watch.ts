/**
 * The memory watch (`maxMemory`): once an interval, the manager reads the
 * resident set size of each ready child given a limit, and says which one
 * holds more. Its owner replaces that one, as a reload would.
 *
 * One timer for every child, not one each: a check reads one small file a
 * child (see `resident_memory.ts`), so a cluster of 64 children costs the
 * manager some 3 ms a second.
 *
 * @module
 */

import type { Clock } from "./clock.ts";

/**
 * How often the manager reads its children's memory, in ms. A child that
 * leaks grows by what it leaks in a second at most past its limit before
 * it is found: PM2 reads every 30 s (`worker_interval`), and a leak fast
 * enough to meet the OOM killer in between went unnoticed.
 */
export const MEMORY_CHECK_INTERVAL = 1000;

/** A child to check: its process, and the most it may hold, in bytes. */
export interface Limited {
  pid: number;
  limit: number;
}

/** What the memory watch needs from its owner. */
export interface MemoryWatchOptions<T extends Limited> {
  /** The time and timer it runs on. */
  clock: Clock;
  /** The children to check now (ready ones, say). */
  children(): Iterable<T>;
  /** A process's resident set size, in bytes; undefined once it is gone. */
  residentBytes(pid: number): number | undefined;
  /** `child` holds `rss` bytes, over its limit. */
  over(child: T, rss: number): void;
  /** `child` was read within its limit. */
  under?(child: T): void;
  /** A child's memory could not be read: said, and the others are read all the same. */
  report(error: Error): void;
}

/** Reads the children's memory once an interval, and says which are over their limit. */
export class MemoryWatch<T extends Limited> {
  readonly #options: MemoryWatchOptions<T>;
  #timer: unknown;
  #running = false;
  /** The processes whose memory could not be read, said once each. */
  #unreadable = new Set<number>();

  constructor(options: MemoryWatchOptions<T>) {
    this.#options = options;
  }

  /** Starts the checks: the first one interval from now. Started again, it goes on as it was. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#arm();
  }

  /** Stops the checks (the cluster stops): no timer is left. */
  stop(): void {
    this.#running = false;
    this.#options.clock.clearTimeout(this.#timer);
  }

  #arm(): void {
    this.#timer = this.#options.clock.setTimeout(() => this.#check(), MEMORY_CHECK_INTERVAL);
  }

  #check(): void {
    if (!this.#running) return;
    const { children, residentBytes, over, report } = this.#options;
    const checked = [...children()];
    const unreadable = new Set<number>();
    for (const child of checked) {
      let rss: number | undefined;
      try {
        rss = residentBytes(child.pid);
      } catch (error) {
        // Said once, not each second, for as long as it lasts.
        if (!this.#unreadable.has(child.pid)) report(error as Error);
        unreadable.add(child.pid);
        continue;
      }
      if (rss === undefined) continue;
      if (rss > child.limit) over(child, rss);
      else this.#options.under?.(child);
    }
    this.#unreadable = unreadable;
    // Once `over` was told: one that stopped the watch leaves no timer.
    if (this.#running) this.#arm();
  }
}
