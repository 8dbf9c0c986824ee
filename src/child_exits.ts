/**
 * What a child's exit means, and what follows it. A process asked to go
 * (the cluster's stop, a reload) is no failure, unless it crashed before
 * its stop work was done. One that exits before the cluster has started
 * fails the start. Otherwise it went down: a crash spends its restart
 * budget, a clean exit (code 0) never gives it up, and it is restarted
 * after its back-off or given up (`restarts.ts`); with no restart policy,
 * it stays down. A process stopped alone to be restarted (a SIGTERM to it)
 * is restarted after the first back-off, unless it crashed in its stop.
 *
 * @module
 */

import { describe } from "./address.ts";
import { wasSignalledHere } from "./child_processes.ts";
import { joinHint, type Slot, troubleOf } from "./child_slot.ts";
import type { Clock } from "./clock.ts";
import { SwitchboardError } from "./errors.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";
import type { Restarts } from "./restarts.ts";
import type { SpawnedChild } from "./spawn.ts";
import type { StartUp } from "./start_up.ts";

/** What the exits of children need of the supervisor. */
export interface ChildExitsOptions {
  /** The time the restart policy counts in. */
  clock: Clock;
  /** The start: a child that exits before it is done fails it. */
  startUp: StartUp;
  /** Restarts a child down after its back-off, or gives it up. */
  restarts: Restarts;
  /** Whether the cluster stops: an exit then was asked for. */
  stopping(): boolean;
  /** Tells every process of a lifecycle event. */
  announce(event: LifecycleEvent): void;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
}

/** Decides what follows the exit of a supervisor's child. */
export class ChildExits {
  readonly #options: ChildExitsOptions;

  constructor(options: ChildExitsOptions) {
    this.#options = options;
  }

  /**
   * The process `spawned` of `child` exited with `status`; its slot has let
   * go of it already. Those waiting for it to be ready hear that it will
   * not be.
   */
  exited(child: Slot, spawned: SpawnedChild, status: Deno.CommandStatus): void {
    const { startUp } = this.#options;
    // Killed by the watchdog: said so, or a give-up reads as the OOM killer's work.
    const how = howItExited(status) +
      (child.hung ? " (killed as hung: it did not answer the watchdog)" : "");
    const { address } = child;
    const exitedEarly = `exited ${how} before it was ready${
      status.code === 0 && !status.signal ? cleanExitHint(child) : ""
    }`;
    const early = new SwitchboardError(
      `${describe(address)} ${exitedEarly}${troubleOf(child)}`,
      { cause: child.trouble, peer: address },
    );
    child.ready.reject(early);
    // Asked to go, by a stop or a reload: no failure to restart. But one
    // that crashed before its stop work was done is said to have.
    if (this.#options.stopping() || child.leaving) {
      const crashed = status.code !== 0 || status.signal !== null;
      if (crashed && child.wasReady && !child.saidStopped && !wasSignalledHere(spawned)) {
        this.#options.report(
          new SwitchboardError(`${describe(address)} exited ${how} before its stop work was done`, {
            peer: address,
          }),
        );
      }
      return;
    }
    if (!startUp.started) {
      child.state = "stopped";
      startUp.fail(
        child.wasReady
          ? new SwitchboardError(
            `${describe(address)} exited ${how} before the cluster had started`,
            { peer: address },
          )
          : early,
      );
      return;
    }
    // A clean exit (code 0) is restarted like a crash, but is not one: it
    // never gives the child up, though its back-off doubles as a crash's
    // does, unless it ran `maxBackoff` or more (it recycled itself). Before
    // its process was ready it is a failure to start (code that never
    // calls connect()), restarted for ever if it did not count.
    const exitedClean = status.code === 0 && status.signal === null;
    const neverReady = child.state === "starting";
    const clean = exitedClean && !neverReady;
    const now = this.#options.clock.now();
    const delay = child.budget &&
      (clean ? child.budget.onCleanExit(now, now - child.readyAt) : child.budget.onExit(now));
    this.#announceExit(child, status, delay);
    if (child.budget) {
      this.#options.restarts.afterFailure(
        child,
        delay,
        exitedClean && neverReady ? exitedEarly : `exited ${how}`,
      );
    } else {
      child.state = "stopped";
      this.#options.report(
        new SwitchboardError(`${describe(address)} exited unexpectedly ${how}`, { peer: address }),
      );
    }
  }

  /**
   * The process `old` of `child`, stopped alone to be restarted (a SIGTERM
   * to it), exited with `status`, and no other has taken its place: it is
   * restarted as after a clean exit, counted against no budget, unless it
   * crashed. With `restart: false` it stays down.
   */
  stoppedAlone(child: Slot, old: SpawnedChild, status: Deno.CommandStatus): void {
    const { startUp } = this.#options;
    // One that crashed during its stop work crashed all the same, and that
    // counts; not one this manager killed past stopTimeout, nor code 1 from
    // one that said `$stopped` (told to exit, it may end so once the manager
    // closed its connection first, as a reload's old process may). A signal
    // it died of after `$stopped` is a crash as its last answers went.
    const closedFirst = child.saidStopped && status.code === 1 && status.signal === null;
    const crashed = (status.code !== 0 || status.signal !== null) && !wasSignalledHere(old) &&
      !closedFirst;
    const delay = child.budget &&
      (crashed ? child.budget.onExit(this.#options.clock.now()) : child.budget.firstDelay);
    this.#announceExit(child, status, delay);
    if (child.budget) {
      this.#options.restarts.afterFailure(child, delay, `exited ${howItExited(status)}`);
      return;
    }
    child.state = "stopped";
    // The start waits for every child to be ready: this one stays down.
    if (!startUp.started) {
      startUp.fail(
        new SwitchboardError(
          `${describe(child.address)} was stopped alone (SIGTERM) before the cluster had ` +
            `started, and is not restarted (restart: false)`,
          { peer: child.address },
        ),
      );
    }
  }

  /** Tells that `child` exited, and whether it is restarted: it is when its budget gave a `delay`. */
  #announceExit(child: Slot, status: Deno.CommandStatus, delay: number | undefined): void {
    this.#options.announce({
      type: "exit",
      address: child.address,
      code: status.code,
      signal: status.signal,
      restart: delay !== undefined,
      ...(child.hung ? { hung: true } : {}),
    });
  }
}

/** How a process exited, for a message: "with code 3", "on signal SIGKILL". */
function howItExited(status: Deno.CommandStatus): string {
  return status.signal ? `on signal ${status.signal}` : `with code ${status.code}`;
}

/** Why a child might have exited cleanly before it was ready, for the error that says so. */
function cleanExitHint(child: Slot): string {
  // `await using peer = await connect()` at a module's top level does this.
  if (child.wentAhead) {
    return " (it had connected, then closed its peer: a child keeps its peer for its whole life)";
  }
  if ("command" in child.spec) return ` (${joinHint(child.spec)})`;
  return " (did it call connect()? A module that only exports a function ends at once)";
}
