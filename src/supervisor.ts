/**
 * The supervisor: the manager's child processes, one slot per address. It
 * spawns them, hears when one is ready or exits, and stops them in two
 * phases when the cluster stops, or one alone on a SIGTERM to it. The
 * rest it hands to a piece each: when the start is done (`start_up.ts`);
 * what follows an exit (`child_exits.ts`), and the restart after its
 * back-off or the give-up (`restarts.ts`); reloads, one by one
 * (`reloads.ts`); hung children (`hung_children.ts`) and those over their
 * `maxMemory` (`memory_limit.ts`). What a slot holds is in
 * `child_slot.ts`; how a process is stopped, killed and reaped, in
 * `child_processes.ts`.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import type { Bootstrap } from "./bootstrap.ts";
import { ChildExits } from "./child_exits.ts";
import { ChildProcesses } from "./child_processes.ts";
import { HungChildren } from "./hung_children.ts";
import { type Clock, SYSTEM_CLOCK } from "./clock.ts";
import { type ChildSpec, labelOf, newSlot, type Slot } from "./child_slot.ts";
import { ClosedError, SwitchboardError } from "./errors.ts";
import { MemoryLimit } from "./memory_limit.ts";
import { Reloads } from "./reloads.ts";
import { Restarts } from "./restarts.ts";
import type { RestartPolicy } from "./restart_policy.ts";
import { type Program, spawnChild, type SpawnedChild } from "./spawn.ts";
import { StartUp } from "./start_up.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";
import type { ChildStats } from "./stats.ts";
import { residentBytes } from "./resident_memory.ts";

/** What the supervisor needs from the manager. */
export interface SupervisorOptions {
  /** How to start each child, by address. */
  children: ReadonlyMap<Address, ChildSpec>;
  /** How to restart children that exit, unless a child has its own; null: never. */
  restart: RestartPolicy | null;
  /** How long children may take to become ready, in ms. */
  startTimeout: number;
  /** How long a child may take for each phase of its stop, in ms, unless it has its own. */
  stopTimeout: number;
  /** What a child about to start runs (its `deno run` flags made), and its bootstrap. */
  command(address: Address, spec: ChildSpec): { program: Program; bootstrap: Bootstrap };
  /** Sends a control frame to a child; returns whether it could. */
  tell(address: Address, action: string, data?: unknown): boolean;
  /**
   * A child is about to be told to exit: nothing sent to it after that
   * arrives before it stops reading.
   */
  exiting(address: Address): void;
  /** Whether a child is connected now: to say why it is late. */
  isConnected(address: Address): boolean;
  /** A child's process exited: forget what it left behind. */
  released(address: Address): void;
  /** Tells every process of a lifecycle event. */
  announce(event: LifecycleEvent): void;
  /**
   * A child is being stopped alone, to be restarted (SIGTERM to it): this
   * manager's requests for it wait for its next process, also when the
   * child says no `$leaving` (a foreign one may not).
   */
  stoppingAlone(address: Address): void;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
  /** A child was given up: it exited too often. */
  gaveUp(error: SwitchboardError): void;
  /**
   * The time the restart policy counts in, and the timers of back-offs, of
   * restarts' and reloads' readiness, of the watchdog and of the memory
   * checks (default: the machine's). The start's and stops' own deadlines
   * run on the machine's timers.
   */
  clock?: Clock;
  /**
   * A process's resident set size in bytes, undefined once it is gone, for
   * `maxMemory` (default: read from `/proc`; a test gives its own).
   */
  residentBytes?(pid: number): number | undefined;
}

/** Runs a cluster's child processes. */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #clock: Clock;
  readonly #slots = new Map<Address, Slot>();
  readonly #processes: ChildProcesses;
  /** Probes the ready children given a `hangTimeout`, and kills the hung. */
  readonly #hung: HungChildren;
  /** Replaces the ready children over their `maxMemory`; none without. */
  readonly #memory: MemoryLimit | undefined;
  /** Whether every child was ready at one time, and what the start waits for. */
  readonly #startUp: StartUp;
  /** Restarts children after their back-off, or gives them up. */
  readonly #restarts: Restarts;
  /** Decides what follows a child's exit: nothing, a failed start, a restart, or a give-up. */
  readonly #exits: ChildExits;
  #stopping = false;
  /** Replaces children one at a time, as asked. */
  readonly #reloads: Reloads;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    // Not on `clock`: a stop's deadlines run on the machine's timers.
    this.#processes = new ChildProcesses({
      stopTimeout: options.stopTimeout,
      tell: (address, action, data) => options.tell(address, action, data),
      exiting: (address) => options.exiting(address),
      report: (error) => options.report(error),
    });
    this.#startUp = new StartUp(this.#slots, options);
    this.#restarts = new Restarts({
      clock: this.#clock,
      restart: options.restart,
      startTimeout: options.startTimeout,
      startUp: this.#startUp,
      stopping: () => this.#stopping,
      spawn: (child) => this.#spawn(child),
      kill: (spawned) => this.#processes.kill(spawned),
      announce: (event) => this.#options.announce(event),
      report: (error) => this.#options.report(error),
      gaveUp: (error) => this.#options.gaveUp(error),
    });
    this.#exits = new ChildExits({
      clock: this.#clock,
      startUp: this.#startUp,
      restarts: this.#restarts,
      stopping: () => this.#stopping,
      announce: (event) => this.#options.announce(event),
      report: (error) => this.#options.report(error),
    });
    this.#hung = new HungChildren({
      clock: this.#clock,
      slots: this.#slots,
      stopping: () => this.#stopping,
      tell: (address, action, data) => options.tell(address, action, data),
      isConnected: (address) => options.isConnected(address),
      kill: (spawned) => this.#processes.kill(spawned),
      report: (error) => options.report(error),
    });
    this.#reloads = new Reloads({
      clock: this.#clock,
      processes: this.#processes,
      startTimeout: options.startTimeout,
      slot: (address) => this.#slots.get(address),
      started: () => this.#startUp.started,
      stopping: () => this.#stopping,
      announce: (event) => this.#options.announce(event),
      spawn: (child) => this.#spawn(child),
      afterFailure: (child, delay, what) => this.#restarts.afterFailure(child, delay, what),
    });
    const limited = [...options.children.values()].some((spec) => spec.maxMemory !== undefined);
    this.#memory = limited
      ? new MemoryLimit({
        clock: this.#clock,
        restart: options.restart,
        slots: this.#slots,
        stopping: () => this.#stopping,
        residentBytes: options.residentBytes ?? residentBytes,
        queue: (task) => this.#reloads.queue(task),
        replace: (child) => this.#reloads.replace(child, "memory"),
        stoppingAlone: (address) => this.#options.stoppingAlone(address),
        stopAlone: (child, spawned) => this.#processes.stopAlone(child, spawned),
        restarts: this.#restarts,
        report: (error) => options.report(error),
      })
      : undefined;
  }

  /** Whether every child was ready at one time: the start is done, and did not fail. */
  get started(): boolean {
    return this.#startUp.started;
  }

  /**
   * Starts every child and resolves once each one is ready.
   *
   * @throws {SwitchboardError} When a child exits before the cluster has
   * started (ready or not), or is not ready within `startTimeout`.
   */
  async start(): Promise<void> {
    // A reload asked meanwhile (a SIGHUP) waits: it would stop children this waits for.
    const starting = this.#startAll();
    this.#reloads.after(starting);
    await starting;
  }

  async #startAll(): Promise<void> {
    const { restart, startTimeout } = this.#options;
    for (const [address, spec] of this.#options.children) {
      const child = newSlot(address, spec, restart);
      this.#slots.set(address, child);
      try {
        this.#spawn(child);
      } catch (error) {
        // E.g. a command that names no executable: say which child it was.
        throw new SwitchboardError(`Could not start ${describe(address)}`, {
          cause: error,
          peer: address,
        });
      }
    }
    this.#startUp.readyNow();
    await this.#startUp.wait(startTimeout);
    // Once the cluster runs: a replacement is a reload, which waits for the start.
    if (!this.#stopping) this.#memory?.start();
  }

  /**
   * Whether `address` is a child of this host starting for the first time
   * (or to be, in the start) that has not said `$ready` yet: it may not
   * listen yet.
   */
  startingFirst(address: Address): boolean {
    const child = this.#slots.get(address);
    // The start spawns its children one by one: one not spawned yet will be.
    if (child === undefined) {
      return !this.#startUp.started && !this.#stopping && this.#options.children.has(address);
    }
    return child.state === "starting" && !child.wasReady &&
      !child.wentAhead;
  }

  /** A child's listeners are in place: give it the go-ahead. */
  goAhead(address: Address): void {
    const child = this.#slots.get(address);
    if (!child?.process) return;
    child.wentAhead = true;
    child.process.stdin.goAhead();
  }

  /** A child got the go-ahead and runs: it is ready, and everyone hears of it. */
  ready(address: Address): void {
    const child = this.#slots.get(address);
    // Said twice, or before `$ready` had its go-ahead (a foreign peer's bug):
    // it would announce a restart that never was, or a child that never set up.
    if (!child?.process || child.state === "ready" || !child.wentAhead) return;
    // Asked to stop as it set up (a reload, the cluster's stop): it is on
    // its way out, and its next process, if any, is the one to announce.
    if (child.leaving) return;
    this.#clock.clearTimeout(child.readyTimer);
    child.state = "ready";
    // New code that started answers for its own crashes, not the old code's.
    if (child.newCodeUnproven) child.budget?.reset();
    child.newCodeUnproven = false;
    if (child.wasReady) this.#options.announce({ type: "ready", address });
    child.wasReady = true;
    child.readyAt = this.#clock.now();
    child.ready.resolve();
    this.#hung.watch(child);
    this.#startUp.readyNow();
  }

  /** A child's `$pong`: it answered the watchdog. */
  answered(address: Address, data: unknown): void {
    this.#hung.answered(address, data);
  }

  /**
   * Keeps an error reported about a child that is not ready (its `peer`):
   * the error that says it failed to start will tell it. A foreign peer's
   * protocol mistake shows there, rather than only in the console.
   */
  noteTrouble(error: Error): void {
    const { peer } = error as { peer?: Address };
    const child = peer === undefined ? undefined : this.#slots.get(peer);
    if (child?.process && child.state !== "ready") child.trouble = error;
  }

  /** A child said it has done its stop work. */
  stopped(address: Address): void {
    const child = this.#slots.get(address);
    if (!child) return;
    child.saidStopped = true;
    child.stopped.resolve();
  }

  /** The process id of a child, while it runs. */
  pid(address: Address): number | undefined {
    return this.#slots.get(address)?.process?.process.pid;
  }

  /** Each child's pid, state and restarts. */
  stats(): ChildStats[] {
    return [...this.#slots.values()].map((child) => ({
      address: child.address,
      pid: child.process?.process.pid,
      state: child.state,
      restarts: child.restarts,
    }));
  }

  /**
   * How long, in ms on the supervisor's clock, a child's process has been
   * ready; undefined while none is (starting, down).
   */
  uptime(address: Address): number | undefined {
    const child = this.#slots.get(address);
    if (!child?.process || (child.state !== "ready" && child.state !== "stopping")) {
      return undefined;
    }
    return child.wasReady ? this.#clock.now() - child.readyAt : undefined;
  }

  /**
   * Replaces the children at `addresses` one at a time, each once the one
   * before is ready (see {@linkcode Reloads.reload}).
   *
   * @throws {SwitchboardError} When a replacement is not ready within
   * `startTimeout` or exits first.
   * @throws {ClosedError} When the cluster is stopping.
   */
  reload(addresses: readonly Address[]): Promise<void> {
    return this.#reloads.reload(addresses);
  }

  /**
   * Stops a child alone and restarts it, as a SIGTERM to it asks (`$term`):
   * in the two phases of a reload's stop, within `stopTimeout` each, then
   * restarted as after a clean exit, counted against no budget. A child
   * not ready (starting, or stopping already: reloaded, say), or whose
   * process `pid` is no more, is left as is; a reload that begins
   * meanwhile replaces it itself. With `restart: false` it stays down.
   * Ready while the start waits for others, it is restarted all the same,
   * and the start waits for its next process (or fails, when none comes).
   */
  async restartAlone(address: Address, pid: number | undefined): Promise<void> {
    const child = this.#slots.get(address);
    const old = child?.process;
    if (!child || !old || this.#stopping || child.leaving || child.state !== "ready") return;
    // Another process by now (the one that asked crashed, and was restarted).
    if (old.process.pid !== pid) return;
    this.#options.stoppingAlone(address);
    await this.#processes.stopAlone(child, old);
    const status = await old.process.status;
    if (this.#stopping || child.process !== undefined) return;
    this.#exits.stoppedAlone(child, old, status);
  }

  /** Stops restarting: pending restarts and readiness deadlines are dropped. */
  halt(): void {
    this.#stopping = true;
    this.#hung.stop();
    this.#memory?.stop();
    if (!this.#startUp.started) {
      this.#startUp.fail(new ClosedError("The cluster was stopped before it had started"));
    }
    for (const child of this.#slots.values()) {
      this.#clock.clearTimeout(child.readyTimer);
      this.#clock.clearTimeout(child.backoff);
    }
  }

  /**
   * Stops every child in two phases: all do their stop work, still
   * receiving, within `stopTimeout`; then all close and exit. A child that
   * cannot be asked (not connected) is killed at once, unless it closed its
   * peer on its own (it exits within `stopTimeout`), a late one killed.
   */
  async stop(): Promise<void> {
    this.halt();
    await this.#processes.stopAll([...this.#slots.values()]);
    for (const child of this.#slots.values()) {
      child.process = undefined;
      if (child.state !== "failed") child.state = "stopped";
    }
  }

  /**
   * Ends the children at once, for a manager about to die: SIGTERM lets
   * each do its stop work before it exits, SIGKILL does not. Synchronous.
   */
  abandon(signal: "SIGTERM" | "SIGKILL"): void {
    this.halt();
    this.#processes.signalAll(signal);
  }

  #spawn(child: Slot): void {
    const { program, bootstrap } = this.#options.command(child.address, child.spec);
    child.ready = Promise.withResolvers<void>();
    child.ready.promise.catch(() => {});
    child.leaving = false;
    child.wentAhead = false;
    child.trouble = undefined;
    child.hung = false;
    const spawned = spawnChild({ ...program, label: labelOf(child) }, bootstrap);
    child.process = spawned;
    this.#processes.add(spawned);
    spawned.process.status.then((status) => {
      const leftovers = this.#processes.endLeftovers(spawned);
      spawned.stdin.close();
      this.#onExit(child, spawned, status);
      return Promise.all([spawned.stdin.done, leftovers, spawned.output]);
    }).then(() => this.#processes.delete(spawned));
  }

  /** A child's process exited: its slot lets go of it, then `ChildExits` decides what follows. */
  #onExit(child: Slot, spawned: SpawnedChild, status: Deno.CommandStatus): void {
    if (child.process !== spawned) return;
    child.process = undefined;
    this.#clock.clearTimeout(child.readyTimer);
    this.#hung.forget(child.address);
    child.stopped.resolve();
    this.#released(child.address);
    this.#exits.exited(child, spawned, status);
  }

  #released(address: Address): void {
    try {
      this.#options.released(address);
    } catch (error) {
      this.#options.report(error as Error);
    }
  }
}
