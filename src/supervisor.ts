/**
 * The supervisor: the manager's child processes, one slot per address. It
 * starts them, notices when one exits, restarts it under the restart
 * policy (or gives it up), and reaps them all when the cluster stops.
 *
 * @module
 */

import { type Address, describe, outputLabel } from "./address.ts";
import type { Bootstrap } from "./bootstrap.ts";
import { deadline } from "./deadline.ts";
import { SwitchboardError } from "./errors.ts";
import type { Permissions } from "./permissions.ts";
import { RestartBudget, type RestartPolicy } from "./restart_policy.ts";
import { spawnChild, type SpawnedChild } from "./spawn.ts";
import type { ChildState, ChildStats, LifecycleEvent } from "./types.ts";

/** How to start one child. */
export interface ChildSpec {
  /** The module to run. */
  module: string | URL;
  /** What to grant on top of what its transport needs. */
  permissions: Permissions;
  /** More `deno run` flags. */
  flags: readonly string[];
  /** Its `Deno.args`. */
  args: readonly string[];
  /** Whether each line it prints gets its address in front (see `labelOutput`). */
  labelOutput: boolean;
}

/** What the supervisor needs from the manager. */
export interface SupervisorOptions {
  /** How to start each child, by address. */
  children: ReadonlyMap<Address, ChildSpec>;
  /** How to restart children that exit; null: never. */
  restart: RestartPolicy | null;
  /** How long children may take to become ready, in ms. */
  startTimeout: number;
  /** How long children may take to exit after being asked, in ms. */
  stopTimeout: number;
  /** The `deno run` flags and the bootstrap of a child about to start. */
  command(address: Address, spec: ChildSpec): { flags: string[]; bootstrap: Bootstrap };
  /** Whether a child is connected now: to say why it is late. */
  isConnected(address: Address): boolean;
  /** A child's process exited on its own: forget what it left behind. */
  released(address: Address): void;
  /** Tells every process of a lifecycle event. */
  announce(event: LifecycleEvent): void;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
}

/** One child address, across the processes that held it. */
interface Slot {
  address: Address;
  spec: ChildSpec;
  state: ChildState;
  /** The process now running it, if any. */
  process: SpawnedChild | undefined;
  restarts: number;
  budget: RestartBudget | undefined;
  backoff: ReturnType<typeof setTimeout> | undefined;
  /** Kills a restarted process that is not ready within `startTimeout`. */
  readyTimer: ReturnType<typeof setTimeout> | undefined;
  /** Settles when its first process is ready, or fails before. */
  started: PromiseWithResolvers<void>;
  wasReady: boolean;
}

/** Runs a cluster's child processes. */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #slots = new Map<Address, Slot>();
  /** Every process started and not yet reaped, restarts included. */
  readonly #processes = new Set<SpawnedChild>();
  #stopping = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
  }

  /**
   * Starts every child and resolves once each one is ready.
   *
   * @throws {SwitchboardError} When a child exits before it is ready, or
   * is not ready within `startTimeout`.
   */
  async start(): Promise<void> {
    const { restart, startTimeout } = this.#options;
    for (const [address, spec] of this.#options.children) {
      const child: Slot = {
        address,
        spec,
        state: "starting",
        process: undefined,
        restarts: 0,
        budget: restart ? new RestartBudget(restart) : undefined,
        backoff: undefined,
        readyTimer: undefined,
        started: Promise.withResolvers<void>(),
        wasReady: false,
      };
      child.started.promise.catch(() => {});
      this.#slots.set(address, child);
      this.#spawn(child);
    }
    await deadline(
      Promise.all([...this.#slots.values()].map((child) => child.started.promise)),
      startTimeout,
      () =>
        new SwitchboardError(`Cluster did not start within ${startTimeout} ms: ${this.#late()}`),
    );
  }

  /** Whether `address` is a child of this cluster. */
  has(address: Address): boolean {
    return this.#slots.has(address);
  }

  /** A child said it is ready: let its held messages go, and tell everyone. */
  ready(address: Address): void {
    const child = this.#slots.get(address);
    if (!child) return;
    child.process?.stdin.goAhead();
    clearTimeout(child.readyTimer);
    child.state = "ready";
    if (child.wasReady) {
      this.#options.announce({ type: "ready", address });
    } else {
      child.wasReady = true;
      child.started.resolve();
    }
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

  /** Stops restarting: pending restarts and readiness deadlines are dropped. */
  halt(): void {
    this.#stopping = true;
    for (const child of this.#slots.values()) {
      clearTimeout(child.readyTimer);
      clearTimeout(child.backoff);
    }
  }

  /**
   * Waits for every child process to exit: those `ask` asked to stop
   * within `stopTimeout`, the rest killed at once, late ones killed then.
   *
   * @param ask Asks the child at an address to stop; returns whether it could.
   */
  async stop(ask: (address: Address) => boolean): Promise<void> {
    this.halt();
    const asked = new Set<SpawnedChild>();
    for (const child of this.#slots.values()) {
      if (child.process && ask(child.address)) asked.add(child.process);
    }
    await Promise.all(
      [...this.#processes].map((spawned) => this.#reap(spawned, asked.has(spawned))),
    );
    for (const child of this.#slots.values()) {
      child.process = undefined;
      if (child.state !== "failed") child.state = "stopped";
    }
  }

  #spawn(child: Slot): void {
    const { flags, bootstrap } = this.#options.command(child.address, child.spec);
    const spawned = spawnChild(
      { module: child.spec.module, flags, args: child.spec.args, label: labelOf(child) },
      bootstrap,
    );
    child.process = spawned;
    this.#processes.add(spawned);
    spawned.process.status.then((status) => {
      spawned.stdin.close();
      this.#onExit(child, spawned, status);
      return Promise.all([spawned.stdin.done, spawned.output]);
    }).then(() => this.#processes.delete(spawned));
  }

  #late(): string {
    const late = [...this.#slots.values()].filter((child) => !child.wasReady);
    return late.map((child) =>
      this.#options.isConnected(child.address)
        ? `${describe(child.address)} connected but did not become ready (did it call ready()?)`
        : `${describe(child.address)} did not connect (did it call connect()?)`
    ).join("; ");
  }

  #onExit(child: Slot, spawned: SpawnedChild, status: Deno.CommandStatus): void {
    if (this.#stopping || child.process !== spawned) return;
    child.process = undefined;
    clearTimeout(child.readyTimer);
    this.#released(child.address);
    const how = status.signal ? `on signal ${status.signal}` : `with code ${status.code}`;
    const { address } = child;
    if (!child.wasReady) {
      child.state = "stopped";
      child.started.reject(
        new SwitchboardError(`${describe(address)} exited ${how} before it was ready`),
      );
      return;
    }
    const delay = child.budget?.onExit(performance.now());
    this.#options.announce({
      type: "exit",
      address,
      code: status.code,
      signal: status.signal,
      restart: delay !== undefined,
    });
    if (child.budget) {
      this.#afterFailure(child, delay, `exited ${how}`);
    } else {
      child.state = "stopped";
      this.#options.report(
        new SwitchboardError(`${describe(address)} exited unexpectedly ${how}`),
      );
    }
  }

  #released(address: Address): void {
    try {
      this.#options.released(address);
    } catch (error) {
      this.#options.report(error as Error);
    }
  }

  /**
   * After a child went down, or could not be started again: restart it
   * after `delay`, or, with no delay left in its budget, give it up.
   */
  #afterFailure(child: Slot, delay: number | undefined, what: string): void {
    if (delay !== undefined) {
      child.state = "restarting";
      child.backoff = setTimeout(() => this.#restart(child), delay);
      return;
    }
    const { maxRestarts, period } = this.#options.restart!;
    child.state = "failed";
    this.#options.announce({
      type: "fatal",
      address: child.address,
      restarts: maxRestarts,
      period,
    });
    this.#options.report(
      new SwitchboardError(
        `${
          describe(child.address)
        } ${what} after ${maxRestarts} restarts within ${period} ms; it stays down`,
      ),
    );
  }

  #restart(child: Slot): void {
    child.backoff = undefined;
    if (this.#stopping) return;
    child.restarts++;
    child.state = "starting";
    this.#options.announce({ type: "restart", address: child.address, attempt: child.restarts });
    try {
      this.#spawn(child);
    } catch (error) {
      // E.g. out of processes or memory: a failed restart, not a crash.
      this.#options.report(
        new SwitchboardError(`Could not restart ${describe(child.address)}`, { cause: error }),
      );
      this.#afterFailure(child, child.budget!.onExit(performance.now()), "could not be started");
      return;
    }
    // A restart that hangs must not leave the address down for good: kill
    // it, and the restart policy decides again.
    const spawned = child.process!;
    const { startTimeout } = this.#options;
    child.readyTimer = setTimeout(() => {
      if (child.process !== spawned || child.state !== "starting") return;
      this.#options.report(
        new SwitchboardError(
          `${describe(child.address)} was not ready within ${startTimeout} ms after its restart`,
        ),
      );
      spawned.process.kill("SIGKILL");
    }, startTimeout);
  }

  /**
   * Waits for a process asked to stop to exit, killing it when it is late;
   * one that was never asked (it had not joined) is killed at once.
   */
  async #reap(spawned: SpawnedChild, asked: boolean): Promise<void> {
    const { status } = spawned.process;
    const exited = asked &&
      await deadline(status, this.#options.stopTimeout, () => new Error("stopTimeout passed"))
        .then(() => true, () => false);
    if (!exited) {
      try {
        spawned.process.kill("SIGKILL");
      } catch {
        // It exited meanwhile.
      }
      await status;
    }
    spawned.stdin.close();
    await spawned.stdin.done;
    // Its pipes end once it has exited; what it wrote last is written too.
    await spawned.output;
  }
}

/** The label of a child's output lines, when they get one. */
function labelOf(child: Slot): string | undefined {
  return child.spec.labelOutput ? outputLabel(child.address) : undefined;
}
