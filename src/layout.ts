/**
 * The layout of a cluster: how many workers and which services. Every
 * process holds the same layout, so any of them can address any other
 * without asking the manager.
 *
 * @module
 */

import { type Address, isManagerOf, MANAGER, type Target } from "./address.ts";
import { shown } from "./shown.ts";

/** A layout as data. */
export interface Members {
  /** Every worker id. */
  workers: number[];
  /** Every service name. */
  services: string[];
  /** The other hosts' managers. */
  managers: string[];
  /** This host's manager by its cluster-wide address (`managerOf(host)`), when the cluster spans several. */
  manager?: string;
}

/** The processes of one cluster. */
export class Layout {
  /** How many workers. */
  readonly workers: number;
  /** The service names, in the order they were given. */
  readonly services: readonly string[];
  /** Every worker id, in order: the default target. */
  readonly workerIds: readonly number[];
  /** The managers of the other hosts, when the cluster spans several. */
  readonly managers: readonly string[];
  /** This host's manager by its cluster-wide address, when the cluster spans several. */
  readonly manager: string | undefined;
  readonly #workerSet: ReadonlySet<number>;
  readonly #serviceSet: ReadonlySet<string>;
  readonly #managerSet: ReadonlySet<string>;

  /**
   * @param workers How many workers (ids `0` to `workers - 1`), or their ids.
   * @param services The service names.
   * @param managers The addresses of other hosts' managers (`managerOf(host)`).
   * @param manager This host's manager's address among them all (`managerOf(host)`).
   * @throws {TypeError} When the counts or names are invalid.
   */
  constructor(
    workers: number | readonly number[],
    services: readonly string[],
    managers: readonly string[] = [],
    manager?: string,
  ) {
    if (typeof workers !== "number" && !Array.isArray(workers)) {
      throw new TypeError(`"workers" must be a count or a list of ids, got ${shown(workers)}`);
    }
    if (!Array.isArray(services) || !Array.isArray(managers)) {
      throw new TypeError("Services and managers are lists");
    }
    const ids = typeof workers === "number" ? countTo(workers) : [...workers];
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0) {
        throw new TypeError(`A worker id is an integer >= 0, got ${shown(id)}`);
      }
    }
    const names = new Set<string>();
    for (const name of services) {
      if (typeof name !== "string" || name.length === 0) {
        throw new TypeError(`A service name is a non-empty string, got ${JSON.stringify(name)}`);
      }
      if (name === MANAGER || isManagerOf(name)) {
        throw new TypeError(
          `A service cannot be named "${name}": that is a manager's address`,
        );
      }
      if (names.has(name)) throw new TypeError(`Service "${name}" is listed twice`);
      names.add(name);
    }
    this.workerIds = ids.sort((a, b) => a - b);
    this.#workerSet = new Set(ids);
    if (this.#workerSet.size !== ids.length) throw new TypeError("A worker id is listed twice");
    this.workers = ids.length;
    this.services = [...names];
    this.#serviceSet = names;
    this.managers = [...managers];
    this.#managerSet = new Set(managers);
    if (manager !== undefined && !isManagerOf(manager)) {
      throw new TypeError(
        `A manager's address is "manager@<host>", got ${JSON.stringify(manager)}`,
      );
    }
    this.manager = manager;
  }

  /**
   * `to` as this process sends to it: this host's manager named by its
   * cluster-wide address is `MANAGER`, so that the same code on every host
   * reaches a chosen host's manager from that host too.
   */
  here(to: Target): Target {
    const manager = this.manager;
    if (manager === undefined) return to;
    if (to === manager) return MANAGER;
    if (!Array.isArray(to) || !to.includes(manager)) return to;
    return (to as readonly Address[]).map((address) => address === manager ? MANAGER : address);
  }

  /** Whether `address` names a process of this cluster. */
  has(address: Address): boolean {
    return typeof address === "number"
      ? this.#workerSet.has(address)
      : address === MANAGER || this.#serviceSet.has(address) || this.#managerSet.has(address);
  }

  /** The layout as data: what the bootstrap and `$members` carry. */
  members(): Members {
    const members: Members = {
      workers: [...this.workerIds],
      services: [...this.services],
      managers: [...this.managers],
    };
    if (this.manager !== undefined) members.manager = this.manager;
    return members;
  }

  /**
   * The layout that `data` describes, or undefined when it is not a
   * layout's data.
   */
  static from(data: unknown): Layout | undefined {
    const members = data as Partial<Members> | null;
    if (typeof members !== "object" || members === null) return undefined;
    try {
      return new Layout(
        members.workers as number[],
        members.services as string[],
        members.managers as string[],
        members.manager,
      );
    } catch {
      return undefined;
    }
  }

  /** Every child of every host: the workers, then the services. */
  children(): Address[] {
    return [...this.workerIds, ...this.services];
  }

  /** Lists the members, for errors: `workers 0-2, services "logger", the manager`. */
  toString(): string {
    const parts = [describeIds(this.workerIds)];
    if (this.services.length > 0) {
      parts.push(`services ${this.services.map((name) => JSON.stringify(name)).join(", ")}`);
    }
    parts.push("the manager");
    if (this.managers.length > 0) {
      parts.push(
        this.managers.length === 1
          ? "1 other host's manager"
          : `${this.managers.length} other hosts' managers`,
      );
    }
    return parts.join(", ");
  }
}

function countTo(count: number): number[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new TypeError(`"workers" must be an integer >= 0, got ${count}`);
  }
  return Array.from({ length: count }, (_, id) => id);
}

/** `no workers`, `worker 0`, `workers 0-2`, or `workers 0-1, 4`. */
function describeIds(ids: readonly number[]): string {
  if (ids.length === 0) return "no workers";
  if (ids.length === 1) return `worker ${ids[0]}`;
  const runs: string[] = [];
  for (let i = 0; i < ids.length;) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j] + 1) j++;
    runs.push(j === i ? `${ids[i]}` : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return `workers ${runs.join(", ")}`;
}
