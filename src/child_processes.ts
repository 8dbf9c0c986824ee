/**
 * The children's processes, from their spawn until they are reaped, and
 * how they end: in two phases (their stop work, still receiving, within
 * `stopTimeout`; then they close and exit), killed when they cannot be
 * asked or are late, and reaped with the last of their output.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import { type Slot, stopTimeoutOf } from "./child_slot.ts";
import { type Clock, SYSTEM_CLOCK } from "./clock.ts";
import { EXIT, STOP } from "./control.ts";
import { deadline } from "./deadline.ts";
import { SwitchboardError } from "./errors.ts";
import type { SpawnedChild } from "./spawn.ts";

/** What ending a child's process needs from the manager. */
export interface ChildProcessesOptions {
  /** How long a child may take for each phase of its stop, in ms, unless it has its own. */
  stopTimeout: number;
  /** Sends a control frame to a child; returns whether it could. */
  tell(address: Address, action: string, data?: unknown): boolean;
  /**
   * A child is about to be told to exit: nothing sent to it after that
   * arrives before it stops reading.
   */
  exiting(address: Address): void;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
  /**
   * Whose timers count the phases of a stop, a late child's kill and the
   * last of its output (default: the machine's).
   */
  clock?: Clock;
}

/** The processes a supervisor started and has not reaped yet, and how they end. */
export class ChildProcesses {
  readonly #options: ChildProcessesOptions;
  readonly #clock: Clock;
  /** Every process started and not yet reaped, restarts included. */
  readonly #processes = new Set<SpawnedChild>();
  /** Whether Deno refused to signal a process group, which is said once. */
  #groupsRefused = false;
  /** What was reported about each process as it stopped (see `#reportOnce`). */
  readonly #reportedAbout = new WeakMap<SpawnedChild, Set<string>>();

  constructor(options: ChildProcessesOptions) {
    this.#options = options;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** A process was spawned: it is ended with the others. */
  add(spawned: SpawnedChild): void {
    this.#processes.add(spawned);
  }

  /** A process exited and its pipes are read to the end: nothing is left to end. */
  delete(spawned: SpawnedChild): void {
    this.#processes.delete(spawned);
  }

  /**
   * Stops every child: the workers first, then the services, each in two
   * phases: all do their stop work, still receiving, each within its
   * `stopTimeout` (a service's own, if it has one); then all close and exit. What a worker sends a service in its stop
   * work (its last state, a final count) is so in before the service's own
   * stop work, which saves what it holds (a service waits for its workers'
   * connections to close first: see `child.ts`). A child that cannot be
   * asked (not connected) is killed at once, unless it closed its peer on
   * its own once it ran (it is exiting: it has `stopTimeout`), a late one
   * killed; a process no child holds any more is killed at once too.
   */
  async stopAll(children: readonly Slot[]): Promise<void> {
    const held = new Set(children.map((child) => child.process));
    const isWorker = (child: Slot) => typeof child.address === "number";
    // A service stopping alone already (reloaded, SIGTERM'd) did its stop
    // work without the workers': it ends first, so that what a worker sends
    // it in its own is refused where the worker sees it, not taken after
    // the service saved. Told the cluster stops, it ends its waits for
    // replacements; the stop that began drives its exit, within its phases.
    const leaving = children.filter((child) => !isWorker(child) && child.leaving);
    for (const child of leaving) this.#ask(child, false);
    await Promise.all(leaving.map((child) => this.#exited(child)));
    await this.#stopTogether(children.filter(isWorker));
    await this.#stopTogether(children.filter((child) => !isWorker(child)));
    const others = [...this.#processes].filter((spawned) => !held.has(spawned));
    await Promise.all(others.map((spawned) => this.#reap(spawned, false, undefined)));
  }

  /** Waits for a child's process stopping already to exit: at most its two phases. */
  async #exited(child: Slot): Promise<void> {
    const spawned = child.process;
    if (!spawned) return;
    const stopTimeout = this.#stopTimeoutOf(child);
    await deadline(spawned.process.status, 2 * stopTimeout, stopTimeoutPassed, this.#clock)
      .catch(() => {});
  }

  /** How long `child` may take for each phase of its stop: its own, else the cluster's. */
  #stopTimeoutOf(child: Slot): number {
    return stopTimeoutOf(child.spec, this.#options.stopTimeout);
  }

  /** Stops `children` together, in the two phases of `stopAll`. */
  async #stopTogether(children: readonly Slot[]): Promise<void> {
    const processes = children.map((child) => child.process);
    const onTheirOwn = children.map((child, i) => {
      const spawned = processes[i];
      return spawned !== undefined && this.#leftOnItsOwn(child, spawned);
    });
    const asked = children.filter((child) => this.#ask(child, false));
    // Each within its own stopTimeout (a service may have a longer one):
    // the tier's phase lasts as long as its slowest needs, no longer. One
    // past its own is reported and told to exit then, not once its slowest
    // sibling is done (its own stopTimeout meant nothing in a cluster's
    // stop); one done in time is told with the rest of its tier, whose stop
    // work may still need it. Told early, its second phase starts then
    // too: it is killed its own stopTimeout after it was told, not that long
    // after its slowest sibling's stop work ended.
    const reap = (child: Slot, i: number): Promise<void> | undefined => {
      const spawned = processes[i];
      return spawned &&
        this.#reap(spawned, asked.includes(child) || (onTheirOwn[i] && "closed"), child);
    };
    const reapedEarly = new Map<Slot, Promise<void> | undefined>();
    await Promise.all(asked.map(async (child) => {
      await this.#phase(child, child.stopped.promise);
      if (child.saidStopped || !child.process) return;
      this.#reportUnfinished(child);
      this.#tellExit(child);
      reapedEarly.set(child, reap(child, children.indexOf(child)));
    }));
    for (const child of asked) if (!reapedEarly.has(child)) this.#tellExit(child);
    await Promise.all(
      children.map((child, i) => reapedEarly.has(child) ? reapedEarly.get(child) : reap(child, i)),
    );
  }

  /**
   * Whether `child`'s process, which could not be asked to stop, closed its
   * connection on its own once it ran (its code called `peer.close()`): it
   * exits by itself, within `stopTimeout`, once what its code still does
   * (saving its state, say) is done, and is let do it. One that never ran
   * (it did not connect, or is still setting up) is killed at once.
   */
  #leftOnItsOwn(child: Slot, spawned: SpawnedChild): boolean {
    return child.process === spawned && child.wentAhead;
  }

  /**
   * Stops `child`'s process, `spawned`, while the cluster goes on without
   * it: in the same two phases, and killed if it cannot be asked (unless
   * it closed its peer on its own: see `#leftOnItsOwn`).
   */
  async stopAlone(child: Slot, spawned: SpawnedChild): Promise<void> {
    const onItsOwn = this.#leftOnItsOwn(child, spawned);
    const asked = this.#ask(child, true);
    if (asked) {
      await this.#phase(child, child.stopped.promise);
      this.#reportUnfinished(child);
      this.#tellExit(child);
    }
    await this.#reap(spawned, asked || (onItsOwn && "closed"), child);
  }

  /** Sends `signal` to every process, at once. Synchronous. */
  signalAll(signal: "SIGTERM" | "SIGKILL"): void {
    for (const spawned of this.#processes) {
      signalledHere.add(spawned);
      this.#signalGroup(spawned, signal);
    }
  }

  /**
   * A child's process exited: what it started and left in its process group
   * (a helper a `command` service's shell put in the background, say) is
   * ended too, with SIGTERM, so that none outlives it, at a stop, a reload
   * or a crash alike (the supervisor calls it once, as the process exits).
   * That Deno may not signal groups is said once.
   */
  endLeftovers(spawned: SpawnedChild): Promise<void> {
    this.#signalGroup(spawned, "SIGTERM");
    // Its pipes end once it has exited, and what it wrote last is written
    // too; unless a process it started holds them open still, SIGTERM or
    // not: then, after a moment for what is in them, it is killed, and
    // they are let go.
    return deadline(spawned.output, OUTPUT_GRACE, () => new Error("output held open"), this.#clock)
      .catch(() => {
        this.#signalGroup(spawned, "SIGKILL");
        spawned.letGoOfOutput();
      });
  }

  /** Kills a child's process at once with SIGKILL, if it still runs, and what it started. */
  kill(spawned: SpawnedChild | undefined): void {
    if (!spawned) return;
    signalledHere.add(spawned);
    this.#signalGroup(spawned, "SIGKILL");
  }

  /**
   * Signals a child's process group: the child leads one of its own (see
   * `spawnChild`), with what it started, such as the program a `command`
   * service's shell runs, which the child's own end would leave running.
   * With `--allow-run` narrowed to some programs, Deno refuses to signal a
   * group: the process alone is, and that what it started may run on is
   * said once, if it may start anything (a Deno child without `run` may
   * not: nothing to say).
   */
  #signalGroup(spawned: SpawnedChild, signal: "SIGTERM" | "SIGKILL"): void {
    try {
      Deno.kill(-spawned.process.pid, signal);
      return;
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable && spawned.startsOthers && !this.#groupsRefused) {
        this.#groupsRefused = true;
        this.#options.report(
          new SwitchboardError(
            "Could not signal a child's process group (--allow-run is narrowed to some " +
              "programs): the child alone was signalled, and what it started may still run",
            { cause: error },
          ),
        );
      }
    }
    try {
      spawned.process.kill(signal);
    } catch {
      // It exited meanwhile.
    }
  }

  /**
   * Asks a running child to start its stop work, `alone` when the cluster
   * goes on without it; from now on its exit is expected. False when it
   * cannot be asked (not running, not connected).
   */
  #ask(child: Slot, alone: boolean): boolean {
    if (!child.process) return false;
    // Asked already (a reload, when the cluster stops): it is doing its
    // stop work, and whoever waits for it waits for its `$stopped`. Told
    // the cluster stops too, it ends its waits for replacements that will
    // not come, which would hold its stop work until stopTimeout.
    if (child.leaving) {
      if (!alone) this.#options.tell(child.address, STOP);
      return true;
    }
    child.leaving = true;
    child.state = "stopping";
    child.saidStopped = false;
    child.stopped = Promise.withResolvers<void>();
    return this.#options.tell(child.address, STOP, alone ? { alone: true } : undefined);
  }

  /** The second phase of a child's stop: it closes, and exits. */
  #tellExit(child: Slot): void {
    this.#options.exiting(child.address);
    this.#options.tell(child.address, EXIT);
  }

  /**
   * Reports a child that did not finish its stop work within `stopTimeout`:
   * it is told to exit all the same, and what it still ran is cut short.
   */
  #reportUnfinished(child: Slot): void {
    if (child.saidStopped || !child.process) return;
    this.#reportOnce(
      child.process,
      new SwitchboardError(
        `${describe(child.address)} did not finish its stop work (its onStop handlers, its ` +
          `running handlers) within stopTimeout (${this.#stopTimeoutOf(child)} ms): it was told ` +
          `to exit`,
        { peer: child.address },
      ),
    );
  }

  /**
   * Reports what went wrong as a process stopped, once: a stop that meets
   * a reload waits for the same process twice, and would say it twice.
   */
  #reportOnce(spawned: SpawnedChild, error: SwitchboardError): void {
    const said = this.#reportedAbout.get(spawned) ?? new Set<string>();
    if (said.has(error.message)) return;
    this.#reportedAbout.set(spawned, said.add(error.message));
    this.#options.report(error);
  }

  /** Waits for a phase of `child`'s stop, at most its `stopTimeout`. */
  #phase(child: Slot, promise: Promise<void>): Promise<void> {
    return deadline(promise, this.#stopTimeoutOf(child), stopTimeoutPassed, this.#clock)
      .catch(() => {});
  }

  /**
   * Waits for a process to exit: within `stopTimeout` if it was asked to, or
   * is exiting on its own (`"closed"`: see `#leftOnItsOwn`), else it is
   * killed at once.
   */
  async #reap(
    spawned: SpawnedChild,
    asked: boolean | "closed",
    child: Slot | undefined,
  ): Promise<void> {
    const { status } = spawned.process;
    // One no child holds any more is not asked, and is killed at once.
    const stopTimeout = child ? this.#stopTimeoutOf(child) : this.#options.stopTimeout;
    const exited = asked !== false &&
      await deadline(status, stopTimeout, stopTimeoutPassed, this.#clock)
        .then(() => true, () => false);
    if (!exited) this.kill(spawned);
    if (asked !== false && !exited && child) {
      this.#reportOnce(
        spawned,
        new SwitchboardError(
          `${describe(child.address)} did not exit within stopTimeout (${stopTimeout} ms) ` +
            `after ${asked === "closed" ? "it closed its peer" : "it was told to"}: it was killed`,
          { peer: child.address },
        ),
      );
    }
    await status;
    spawned.stdin.close();
    await spawned.stdin.done;
    // Settles once what it left is ended too (see `endLeftovers`).
    await spawned.output;
  }
}

/** Why a wait bounded by `stopTimeout` ended: the time passed. */
function stopTimeoutPassed(): Error {
  return new Error("stopTimeout passed");
}

/** Processes the manager killed or signalled itself: their end is no crash to report. */
const signalledHere = new WeakSet<SpawnedChild>();

/** Whether the manager killed or signalled this process itself. */
export function wasSignalledHere(spawned: SpawnedChild): boolean {
  return signalledHere.has(spawned);
}

/**
 * How long a child's output is read after it exited, at most, in ms: its
 * pipes hold at most what it wrote last, read in far less.
 */
const OUTPUT_GRACE = 500;
