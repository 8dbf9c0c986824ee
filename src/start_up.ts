/**
 * The start of a supervisor's children: done once every child is ready at
 * one time, not once each was ready once (one stopped alone meanwhile, by
 * a SIGTERM to it, is waited for in its next process); failed when a
 * child exits or is given up first, when the cluster is stopped, or when
 * `startTimeout` passes, said with why each child not ready is late.
 *
 * @module
 */

import type { Address } from "./address.ts";
import { type Connections, type Slot, whyLate } from "./child_slot.ts";
import { deadline } from "./deadline.ts";
import { SwitchboardError } from "./errors.ts";

/** Whether a supervisor's children have started, and what its start waits for. */
export class StartUp {
  readonly #slots: ReadonlyMap<Address, Slot>;
  readonly #connections: Connections;
  #started = false;
  /** Rejects when a child exits before the cluster has started. */
  readonly #failed = Promise.withResolvers<never>();
  /** Resolves once every child is ready at one time. */
  readonly #everyoneReady = Promise.withResolvers<void>();

  /**
   * @param slots The supervisor's children, read as they are now at each look.
   * @param connections Whether a child is connected: to say why it is late.
   */
  constructor(slots: ReadonlyMap<Address, Slot>, connections: Connections) {
    this.#slots = slots;
    this.#connections = connections;
    this.#failed.promise.catch(() => {});
  }

  /** Whether every child was ready at one time: the start is done, and did not fail. */
  get started(): boolean {
    return this.#started;
  }

  /**
   * Resolves once every child is ready at one time.
   *
   * @throws The error the start failed with (see {@linkcode StartUp.fail}).
   * @throws {SwitchboardError} When `startTimeout` ms pass first: it says
   * why each child not ready is late.
   */
  async wait(startTimeout: number): Promise<void> {
    await deadline(
      Promise.race([this.#everyoneReady.promise, this.#failed.promise]),
      startTimeout,
      () =>
        new SwitchboardError(`Cluster did not start within ${startTimeout} ms: ${this.#late()}`),
    );
    this.#started = true;
  }

  /** A child is ready: the start is done if every child is ready now (the first time, or again). */
  readyNow(): void {
    if (this.#started) return;
    if ([...this.#slots.values()].every((child) => child.state === "ready")) {
      this.#everyoneReady.resolve();
    }
  }

  /** The start fails with `error`; called before it is done (see {@linkcode StartUp.started}). */
  fail(error: Error): void {
    this.#failed.reject(error);
  }

  #late(): string {
    const late = [...this.#slots.values()].filter((child) => child.state !== "ready");
    return late.map((child) => whyLate(child, this.#connections)).join("; ");
  }
}
