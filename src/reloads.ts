/**
 * Reloads: the manager's children replaced one at a time, each old process
 * doing its stop work and exiting before its replacement starts at the
 * same address, the next going only once that one is ready. Reloads run
 * in the order asked, after the start; one asked while one alike waits to
 * begin (two SIGHUPs in a row) is that one. A reload is no failure: it
 * counts against no restart budget, and new code answers for its own
 * crashes only once it was ready.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import type { ChildProcesses } from "./child_processes.ts";
import type { Slot } from "./child_slot.ts";
import type { Clock } from "./clock.ts";
import { deadline } from "./deadline.ts";
import { ClosedError, SwitchboardError } from "./errors.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";

/** What reloads need of the supervisor. */
export interface ReloadsOptions {
  /** The time the restart policy counts in, and the timers of back-offs and of readiness. */
  clock: Clock;
  /** The children's processes: stopped alone, and killed when late. */
  processes: ChildProcesses;
  /** How long a replacement may take to become ready, in ms. */
  startTimeout: number;
  /** The slot of a child, by address. */
  slot(address: Address): Slot | undefined;
  /** Whether every child was ready at one time: the start is done. */
  started(): boolean;
  /** Whether the cluster stops: nothing is reloaded any more. */
  stopping(): boolean;
  /** Tells every process of a lifecycle event. */
  announce(event: LifecycleEvent): void;
  /** Starts a child's next process in its slot. */
  spawn(child: Slot): void;
  /** After a child could not be started: restarts it after `delay`, or gives it up. */
  afterFailure(child: Slot, delay: number | undefined, what: string): void;
}

/** Replaces a supervisor's children, one reload at a time. */
export class Reloads {
  readonly #options: ReloadsOptions;
  readonly #clock: Clock;
  readonly #processes: ChildProcesses;
  /** Reloads run one at a time, in the order asked. */
  #reloads: Promise<void> = Promise.resolve();
  /** The reload waiting behind another (or the start), not begun yet: one alike joins it. */
  #queuedReload: { targets: string; run: Promise<void> } | undefined;

  constructor(options: ReloadsOptions) {
    this.#options = options;
    this.#clock = options.clock;
    this.#processes = options.processes;
  }

  get #started(): boolean {
    return this.#options.started();
  }

  get #stopping(): boolean {
    return this.#options.stopping();
  }

  /** A reload asked from now on waits for `starting`: it would stop children the start waits for. */
  after(starting: Promise<void>): void {
    this.#reloads = starting.catch(() => {});
  }

  /**
   * Replaces the children at `addresses` one at a time: each old process
   * does its stop work and exits, its replacement starts with the same
   * address, and the next goes only once it is ready. A reload is no
   * failure: it counts against no restart budget. A reload of the same
   * children asked while one waits to begin (two SIGHUPs in a row) is that
   * one: it will load the newest code all the same.
   *
   * @throws {SwitchboardError} When a replacement is not ready within
   * `startTimeout` or exits first (the restart policy takes it from there,
   * and the rest are not reloaded).
   * @throws {ClosedError} When the cluster is stopping.
   */
  reload(addresses: readonly Address[]): Promise<void> {
    // Each once, as a message to a list goes to each listed process once.
    addresses = [...new Set(addresses)];
    const slots = addresses.map((address) => {
      const slot = this.#options.slot(address);
      if (!slot) {
        throw new TypeError(`Cannot reload ${describe(address)}: not a child of this cluster`);
      }
      return slot;
    });
    const targets = JSON.stringify(addresses);
    if (this.#queuedReload?.targets === targets) return this.#queuedReload.run;
    // Asked while the start waits (a SIGHUP): begun once the code that
    // awaited the start has added its listeners. Begun at once, its first
    // "reload" event came before them: the manager's server heard "ready 0"
    // with no "reload 0" before it. A timer, not nextTask(): a
    // MessageChannel's message may come in the turn of the socket read that
    // resolved the start, ahead of a caller whose await chain is long.
    const afterStart = !this.#started;
    const run = this.#reloads.then(async () => {
      if (afterStart) {
        await new Promise((resolve) => this.#clock.setTimeout(() => resolve(null), 0));
      }
      if (this.#queuedReload?.run === run) this.#queuedReload = undefined;
      for (const slot of slots) await this.#reloadOne(slot);
    });
    this.#queuedReload = { targets, run };
    this.#reloads = run.catch(() => {});
    return run;
  }

  /**
   * Runs `task` once the reloads asked before it are done; those asked
   * after it wait for it (a replacement for memory, say).
   */
  queue(task: () => Promise<void>): Promise<void> {
    const run = this.#reloads.then(task);
    this.#reloads = run.catch(() => {});
    return run;
  }

  /**
   * Replaces `child` as a reload does, running the same code: a replacement
   * for its memory (`maxMemory`), whose restart budget it counted against
   * already. Call it from a {@linkcode Reloads.queue}d task.
   */
  replace(child: Slot, reason: "memory"): Promise<void> {
    return this.#reloadOne(child, reason);
  }

  /**
   * Replaces `child`: its process stops alone, and a new one starts. A
   * reload loads new code, whose restart budget starts afresh; a
   * replacement for its memory (`reason` `"memory"`) runs the same code.
   */
  async #reloadOne(child: Slot, reason?: "memory"): Promise<void> {
    // Asked while the start waited (a SIGHUP), which then failed.
    if (!this.#started) {
      throw new ClosedError(`Cannot reload ${describe(child.address)}: the cluster did not start`, {
        peer: child.address,
      });
    }
    if (this.#stopping) {
      throw new ClosedError(`Cannot reload ${describe(child.address)}: the cluster is stopping`, {
        peer: child.address,
      });
    }
    this.#options.announce({
      type: "reload",
      address: child.address,
      ...(reason === undefined ? {} : { reason }),
    });
    this.#clock.clearTimeout(child.backoff);
    const old = child.process;
    if (old) await this.#processes.stopAlone(child, old);
    // A restart after a SIGTERM's stop that this reload met: it replaces it.
    this.#clock.clearTimeout(child.backoff);
    if (this.#stopping) throw reloadStopped(child.address);
    child.state = "starting";
    if (reason === undefined) {
      child.newCodeUnproven = true;
      // New code: the old code's restarts do not count against it.
      child.budget?.reset();
    }
    try {
      this.#options.spawn(child);
    } catch (error) {
      // E.g. a command's program moved away: the child is down, and says so.
      // Thrown to who asked for the reload (a SIGHUP's goes to onError).
      const failed = new SwitchboardError(
        `Could not start ${describe(child.address)} after its reload`,
        { cause: error, peer: child.address },
      );
      if (child.budget) {
        this.#options.afterFailure(
          child,
          child.budget.onExit(this.#clock.now()),
          "could not be started",
        );
      } else {
        // Nothing restarts it: those waiting for its new process hear that none comes.
        child.state = "stopped";
        this.#options.announce({ type: "fatal", address: child.address, restarts: 0, period: 0 });
      }
      throw failed;
    }
    const { startTimeout } = this.#options;
    try {
      await deadline(child.ready.promise, startTimeout, () => {
        const error = new SwitchboardError(
          `${describe(child.address)} was not ready within ${startTimeout} ms after its reload`,
          { peer: child.address },
        );
        this.#processes.kill(child.process);
        return error;
      }, this.#clock);
    } catch (error) {
      // The stop killed it while it started: that is why.
      throw this.#stopping ? reloadStopped(child.address, error) : error;
    }
    // Ready as the cluster began to stop: it will be stopped, not kept.
    if (this.#stopping) throw reloadStopped(child.address);
  }
}

/** Why a reload ended early: the cluster began to stop. */
function reloadStopped(address: Address, cause?: unknown): ClosedError {
  return new ClosedError(`Reload of ${describe(address)} stopped: the cluster is stopping`, {
    cause,
    peer: address,
  });
}
