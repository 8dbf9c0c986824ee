/**
 * When to restart a child that exited, in the spirit of Erlang/OTP
 * supervisors: after a back-off that doubles with each recent restart, and
 * not at all once it restarted `maxRestarts` times within `period`.
 *
 * @module
 */

/**
 * How a cluster restarts children that exit unexpectedly.
 *
 * @example Retry a flaky worker sooner and more often
 * ```ts
 * import type { ClusterOptions, RestartOptions } from "@switchboard/switchboard";
 *
 * // Up to 20 restarts a minute, the first after 50 ms, each wait doubling up to 1 s.
 * const restart: RestartOptions = { maxRestarts: 20, backoff: 50, maxBackoff: 1_000 };
 * const options: ClusterOptions = { worker: "./worker.ts", restart, escalate: false };
 * console.assert(options.restart === restart);
 * ```
 */
export interface RestartOptions {
  /** At most this many restarts of one child within `period`, a whole number; one more is fatal (default 5). */
  maxRestarts?: number;
  /** The window `maxRestarts` counts in, in ms (default 60 000); 0 counts none: restarted after `backoff` for ever. */
  period?: number;
  /** The delay before the first restart in the window, in ms; doubled for each further one (default 100). */
  backoff?: number;
  /** The longest delay, in ms (default 5 000). */
  maxBackoff?: number;
}

/** {@linkcode RestartOptions} with every value set. */
export type RestartPolicy = Required<RestartOptions>;

/**
 * The default restart policy.
 *
 * @example The delays before each restart, by default
 * ```ts
 * import { DEFAULT_RESTART } from "@switchboard/switchboard";
 *
 * const { maxRestarts, backoff, maxBackoff } = DEFAULT_RESTART;
 * const delays = Array.from({ length: maxRestarts }, (_, i) => Math.min(maxBackoff, backoff * 2 ** i));
 * console.assert(delays.join(" ") === "100 200 400 800 1600"); // a 6th exit within a minute is fatal
 * ```
 */
export const DEFAULT_RESTART: Readonly<Required<RestartOptions>> = Object.freeze({
  // Frozen: a change here would change every cluster the process starts later.
  maxRestarts: 5,
  period: 60_000,
  backoff: 100,
  maxBackoff: 5_000,
});

/** The restarts of one child. */
export class RestartBudget {
  readonly #policy: RestartPolicy;
  /** When recent restarts after a crash happened, oldest first. */
  #times: number[] = [];
  /** When recent restarts after a clean exit happened, oldest first. */
  #cleanTimes: number[] = [];

  constructor(policy: RestartPolicy) {
    this.#policy = policy;
  }

  /** Forgets the restarts so far: new code that started gets a budget of its own. */
  reset(): void {
    this.#times = [];
    this.#cleanTimes = [];
  }

  /**
   * Records that the child crashed at `now` (ms) and decides.
   *
   * @returns The delay before restarting it, or undefined when it has been
   * restarted `maxRestarts` times within `period` and must stay down.
   */
  onExit(now: number): number | undefined {
    this.#forgetBefore(now);
    if (this.#times.length >= this.#policy.maxRestarts) return undefined;
    this.#times.push(now);
    return this.#delay();
  }

  /**
   * Records that the child exited cleanly (code 0) at `now` (ms), `ranFor`
   * ms after it was ready: no failure, so it never gives the child up, but
   * the wait doubles all the same, so that one that keeps exiting at once
   * (a one-shot script) is not respawned several times a second for ever.
   * One that ran `maxBackoff` or more (a worker that recycles itself after
   * serving a while) waits the first back-off, and the doubling starts
   * afresh: either way it is restarted at most about once a `maxBackoff`.
   *
   * @returns The delay before restarting it.
   */
  onCleanExit(now: number, ranFor = 0): number {
    this.#forgetBefore(now);
    const { maxBackoff } = this.#policy;
    if (ranFor >= maxBackoff) {
      this.#cleanTimes = [now];
      return this.firstDelay;
    }
    this.#cleanTimes.push(now);
    return this.#delay();
  }

  /** The first back-off: `backoff`, at most `maxBackoff`, as after a first crash. */
  get firstDelay(): number {
    return this.#backoffAfter(1);
  }

  #forgetBefore(now: number): void {
    const { period } = this.#policy;
    this.#times = this.#times.filter((time) => now - time < period);
    this.#cleanTimes = this.#cleanTimes.filter((time) => now - time < period);
  }

  /** The back-off, doubled for each restart within `period` before this one. */
  #delay(): number {
    return this.#backoffAfter(this.#times.length + this.#cleanTimes.length);
  }

  /** The back-off of restart number `restarts`: `backoff` doubled for each before, at most `maxBackoff`. */
  #backoffAfter(restarts: number): number {
    const { backoff, maxBackoff } = this.#policy;
    return Math.min(maxBackoff, backoff * 2 ** (restarts - 1));
  }
}
