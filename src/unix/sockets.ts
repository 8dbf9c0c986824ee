/**
 * Where each process of a host listens: one socket file per process in the
 * cluster's private directory, `m.sock` for the manager, `w<id>.sock` for a
 * worker, `s<index>.sock` for the service at that index. Short and free of
 * the names' characters, so paths stay valid and short.
 *
 * @module
 */

import { type Address, describe, isAddress, MANAGER } from "../address.ts";

/**
 * What a child needs to open its Unix endpoint: the bootstrap carries it
 * (as an opaque value) from the manager.
 */
export interface UnixConfig {
  /** The private directory holding the socket files. */
  dir: string;
  /** The cluster's secret, sent in every `$hello`. */
  token: string;
  /** The ids of the workers on this host. */
  workers: number[];
  /** The services on this host, in the order their sockets are numbered. */
  services: string[];
  /**
   * When the cluster spans several hosts: a child reaches a process that is
   * not on this host through its manager, the gateway, with payloads of at
   * most `maxPayload` bytes (what the broker carries).
   */
  gateway?: {
    maxPayload: number;
    /** What sets `maxPayload`, for errors. */
    limit: string;
  };
}

/** Whether `value` has the shape of a {@linkcode UnixConfig}. */
export function isUnixConfig(value: unknown): value is UnixConfig {
  const config = value as Partial<UnixConfig> | null;
  return typeof config === "object" && config !== null && typeof config.dir === "string" &&
    typeof config.token === "string" && Array.isArray(config.workers) &&
    config.workers.every((id) => Number.isInteger(id) && id >= 0) &&
    Array.isArray(config.services) && config.services.every((name) => isAddress(name)) &&
    (config.gateway === undefined ||
      (typeof config.gateway === "object" && config.gateway !== null &&
        typeof config.gateway.maxPayload === "number" && typeof config.gateway.limit === "string"));
}

/** The socket files of one host's processes. */
export class Sockets {
  readonly #dir: string;
  readonly #workers: ReadonlySet<number>;
  readonly #services: ReadonlyMap<string, number>;

  constructor(config: UnixConfig) {
    this.#dir = config.dir;
    this.#workers = new Set(config.workers);
    this.#services = new Map(config.services.map((name, index) => [name, index]));
  }

  /** Whether `address` is a process of this host. */
  has(address: Address): boolean {
    return typeof address === "number"
      ? this.#workers.has(address)
      : address === MANAGER || this.#services.has(address);
  }

  /**
   * The socket file `address` listens at.
   *
   * @throws {RangeError} When it is not a process of this host.
   */
  path(address: Address): string {
    if (!this.has(address)) throw new RangeError(`${describe(address)} is not on this host`);
    const name = typeof address === "number"
      ? `w${address}`
      : address === MANAGER
      ? "m"
      : `s${this.#services.get(address)}`;
    return `${this.#dir}/${name}.sock`;
  }

  /** Every socket file: the manager's, the workers', the services'. */
  all(): string[] {
    return [MANAGER, ...this.#workers, ...this.#services.keys()].map((address) =>
      this.path(address)
    );
  }

  /** Whether the socket file of `address` exists: it is listening, or died unseen. */
  exists(address: Address): boolean {
    try {
      Deno.lstatSync(this.path(address));
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  }
}
