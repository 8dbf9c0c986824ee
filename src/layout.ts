/**
 * The layout of a cluster: how many workers and which services. Every
 * process holds the same layout, so any of them can address any other
 * without asking the manager.
 *
 * @module
 */

import { type Address, MANAGER } from "./address.ts";

/** The processes of one cluster. */
export class Layout {
  /** How many workers: their ids are `0` to `workers - 1`. */
  readonly workers: number;
  /** The service names, in the order they were given. */
  readonly services: readonly string[];
  /** Every worker id, the default target. */
  readonly workerIds: readonly number[];
  readonly #serviceIndex: ReadonlyMap<string, number>;

  /**
   * @throws {TypeError} When the counts or names are invalid.
   */
  constructor(workers: number, services: readonly string[]) {
    if (!Number.isInteger(workers) || workers < 0) {
      throw new TypeError(`"workers" must be an integer >= 0, got ${workers}`);
    }
    const index = new Map<string, number>();
    for (const name of services) {
      if (typeof name !== "string" || name.length === 0) {
        throw new TypeError(`A service name is a non-empty string, got ${JSON.stringify(name)}`);
      }
      if (name === MANAGER) {
        throw new TypeError(
          `A service cannot be named "${MANAGER}": that is the manager's address`,
        );
      }
      if (index.has(name)) throw new TypeError(`Service "${name}" is listed twice`);
      index.set(name, index.size);
    }
    this.workers = workers;
    this.services = [...index.keys()];
    this.workerIds = Array.from({ length: workers }, (_, id) => id);
    this.#serviceIndex = index;
  }

  /** Whether `address` names a process of this cluster. */
  has(address: Address): boolean {
    return typeof address === "number"
      ? Number.isInteger(address) && address >= 0 && address < this.workers
      : address === MANAGER || this.#serviceIndex.has(address);
  }

  /** Every child: the workers, then the services. */
  children(): Address[] {
    return [...this.workerIds, ...this.services];
  }

  /** Lists the members, for errors: `workers 0-2, services "logger", the manager`. */
  toString(): string {
    const parts = [
      this.workers === 0
        ? "no workers"
        : this.workers === 1
        ? "worker 0"
        : `workers 0-${this.workers - 1}`,
    ];
    if (this.services.length > 0) {
      parts.push(`services ${this.services.map((name) => JSON.stringify(name)).join(", ")}`);
    }
    parts.push("the manager");
    return parts.join(", ");
  }
}
