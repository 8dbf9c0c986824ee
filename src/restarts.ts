/**
 * Restarts: a child that went down, or could not be started again, is
 * restarted after the delay its restart budget gave (its back-off), or,
 * with none left (`maxRestarts` within `period`), given up: a `fatal`
 * event, and an error that says so. A restart that is not ready within
 * `startTimeout` is killed, and the restart policy decides again. When a
 * child goes down, and what its budget says then, is for its owner to
 * tell (see `supervisor.ts`).
 *
 * @module
 */

import { describe } from "./address.ts";
import { restartOf, type Slot } from "./child_slot.ts";
import type { Clock } from "./clock.ts";
import { counted } from "./counted.ts";
import { SwitchboardError } from "./errors.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";
import type { RestartPolicy } from "./restart_policy.ts";
import type { SpawnedChild } from "./spawn.ts";
import type { StartUp } from "./start_up.ts";

/** What restarts need of the supervisor. */
export interface RestartsOptions {
  /** The time the restart policy counts in, and the timers of back-offs and of readiness. */
  clock: Clock;
  /** The cluster's restart policy, unless a child has its own; null: never. */
  restart: RestartPolicy | null;
  /** How long a restarted child may take to become ready, in ms. */
  startTimeout: number;
  /** The start: a child given up before it is done fails it. */
  startUp: StartUp;
  /** Kills a restarted process late to be ready, and what it started. */
  kill(spawned: SpawnedChild): void;
  /** Whether the cluster stops: nothing is restarted any more. */
  stopping(): boolean;
  /** Starts a child's next process in its slot. */
  spawn(child: Slot): void;
  /** Tells every process of a lifecycle event. */
  announce(event: LifecycleEvent): void;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
  /** A child was given up: it exited too often. */
  gaveUp(error: SwitchboardError): void;
}

/** Restarts a supervisor's children after their back-off, or gives them up. */
export class Restarts {
  readonly #options: RestartsOptions;
  readonly #clock: Clock;

  constructor(options: RestartsOptions) {
    this.#options = options;
    this.#clock = options.clock;
  }

  /**
   * After a child went down, or could not be started again: restart it
   * after `delay`, or, with no delay left in its budget, give it up.
   *
   * @param what What became of it, for the error that gives it up
   * ("exited with code 3").
   */
  afterFailure(child: Slot, delay: number | undefined, what: string): void {
    if (delay !== undefined) {
      child.state = "restarting";
      child.backoff = this.#clock.setTimeout(() => this.#restart(child), delay);
      return;
    }
    // Its own policy, or the cluster's: one gave the budget that gave no delay.
    const { maxRestarts, period } = restartOf(child.spec, this.#options.restart)!;
    child.state = "failed";
    this.#options.announce({
      type: "fatal",
      address: child.address,
      restarts: maxRestarts,
      period,
    });
    // Code that never started since its reload (a deploy gone wrong) takes
    // down its own child, not the cluster: the others still run the old.
    const unproven = child.newCodeUnproven
      ? " (it was never ready since its reload, so the cluster runs on without it: fix its code " +
        "and reload it)"
      : "";
    const error = new SwitchboardError(
      `${describe(child.address)} ${what} after ${
        counted(maxRestarts, "restart")
      } within ${period} ms; it stays down${unproven}`,
      { peer: child.address },
    );
    // Given up as the cluster starts (stopped alone by a SIGTERM, it crashed
    // in its stop work or its next start): the start fails, and says why.
    if (!this.#options.startUp.started) return this.#options.startUp.fail(error);
    this.#options.report(error);
    if (!child.newCodeUnproven) this.#options.gaveUp(error);
  }

  #restart(child: Slot): void {
    child.backoff = undefined;
    if (this.#options.stopping() || child.process) return;
    child.restarts++;
    child.state = "starting";
    this.#options.announce({ type: "restart", address: child.address, attempt: child.restarts });
    try {
      this.#options.spawn(child);
    } catch (error) {
      // E.g. out of processes or memory: a failed restart, not a crash.
      this.#options.report(
        new SwitchboardError(`Could not restart ${describe(child.address)}`, {
          cause: error,
          peer: child.address,
        }),
      );
      this.afterFailure(child, child.budget!.onExit(this.#clock.now()), "could not be started");
      return;
    }
    // A restart that hangs must not leave the address down for good: kill
    // it, and the restart policy decides again.
    const spawned = child.process!;
    const { startTimeout } = this.#options;
    child.readyTimer = this.#clock.setTimeout(() => {
      if (child.process !== spawned || child.state !== "starting") return;
      this.#options.report(
        new SwitchboardError(
          `${describe(child.address)} was not ready within ${startTimeout} ms after its restart`,
          { peer: child.address },
        ),
      );
      this.#options.kill(spawned);
    }, startTimeout);
  }
}
