/**
 * The workers `ANY` tries last: those known to be on their way out. A
 * worker is leaving from when its reload is announced, it exits or is
 * given up, or it says it is leaving or refuses a request because it is
 * stopping, until it is announced ready (or its host joins anew). The
 * events reach every process of the cluster; a stopping process's own word
 * comes first when its event is still on its way, or when there is none (a
 * SIGTERM to it alone).
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";

/** What this process knows of workers on their way out. */
export class LeavingWorkers {
  readonly #leaving = new Set<Address>();

  /** Whether `worker` is known to be leaving. */
  has(worker: Address): boolean {
    return this.#leaving.has(worker);
  }

  /** `worker` said it is leaving, or refused a request because it is stopping. */
  leaves(worker: Address): void {
    this.#leaving.add(worker);
  }

  /** Learns from a lifecycle event who leaves and who is back. */
  heard(event: LifecycleEvent): void {
    switch (event.type) {
      case "reload":
      case "exit":
      case "fatal":
        this.#leaving.add(event.address);
        break;
      case "ready":
        this.#leaving.delete(event.address);
        break;
      case "hostJoined":
        for (const worker of event.workers) this.#leaving.delete(worker);
        break;
    }
  }
}
