/**
 * Hung children (`hangTimeout`) as the supervisor finds them: which ready
 * children its watchdog (`watchdog.ts`) probes, and what becomes of one
 * that answers no `$ping` in time. That one is killed with SIGKILL, as it
 * could run no stop work, and its exit is a crash's: the restart policy
 * applies, and its `exit` event says `hung`.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import type { Slot } from "./child_slot.ts";
import type { Clock } from "./clock.ts";
import { PING } from "./control.ts";
import { TimeoutError } from "./errors.ts";
import type { SpawnedChild } from "./spawn.ts";
import { Watchdog } from "./watchdog.ts";

/** What finding hung children needs of the supervisor. */
export interface HungChildrenOptions {
  /** The time and timers the watchdog runs on. */
  clock: Clock;
  /** The supervisor's children, by address. */
  slots: ReadonlyMap<Address, Slot>;
  /** Whether the cluster stops: no child is probed any more. */
  stopping(): boolean;
  /** Sends a control frame to a child; returns whether it could. */
  tell(address: Address, action: string, data?: unknown): boolean;
  /** Whether a child is connected now: one that closed its connection is not probed. */
  isConnected(address: Address): boolean;
  /** Kills a child's process at once, and what it started. */
  kill(spawned: SpawnedChild): void;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
}

/** Probes the ready children given a `hangTimeout`, and kills the hung. */
export class HungChildren {
  readonly #options: HungChildrenOptions;
  readonly #watchdog: Watchdog;

  constructor(options: HungChildrenOptions) {
    this.#options = options;
    this.#watchdog = new Watchdog({
      clock: options.clock,
      ping: (address, data) => options.tell(address, PING, data),
      hung: (address) => this.#hung(options.slots.get(address)!),
    });
  }

  /**
   * Has the watchdog probe a child now ready, if it has a `hangTimeout`,
   * while this process of it is ready and connected: not once it stops
   * (its stop has `stopTimeout`), nor once it closed its connection (it
   * exits on its own, within `stopTimeout`). Nor once the cluster stops:
   * a child restarted as the stop began says `$running` during the
   * manager's own stop work, and was sent a `$ping` as it was about to be
   * stopped, with a timer `halt()` had cleared armed again until it exited.
   */
  watch(child: Slot): void {
    const { hangTimeout } = child.spec;
    if (hangTimeout === undefined || this.#options.stopping()) return;
    const spawned = child.process;
    this.#watchdog.watch(
      child.address,
      hangTimeout,
      () =>
        !this.#options.stopping() && child.process === spawned && child.state === "ready" &&
        !child.leaving && this.#options.isConnected(child.address),
    );
  }

  /** A child's `$pong`: it answered the watchdog. */
  answered(address: Address, data: unknown): void {
    this.#watchdog.answered(address, data);
  }

  /** Stops probing the child at `address` (its process exited). */
  forget(address: Address): void {
    this.#watchdog.forget(address);
  }

  /** Stops probing every child (the cluster stops): no timer is left. */
  stop(): void {
    this.#watchdog.stop();
  }

  /**
   * The watchdog found `child` hung: its process answered no `$ping` within
   * `hangTimeout`. It is killed, SIGKILL, as it could run no stop work, and
   * its exit is a crash's: the restart policy applies, and its `exit` event
   * says `hung`.
   */
  #hung(child: Slot): void {
    const spawned = child.process;
    if (!spawned) return;
    child.hung = true;
    const timeout = child.spec.hangTimeout;
    this.#options.report(
      new TimeoutError(
        `${describe(child.address)} did not answer the watchdog's ${PING} within ${timeout} ms ` +
          `(hangTimeout: is its event loop blocked?): it was killed`,
        { action: PING, peer: child.address },
      ),
    );
    this.#options.kill(spawned);
  }
}
