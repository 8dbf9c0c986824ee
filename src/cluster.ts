/**
 * {@linkcode Cluster}: the manager's handle on its worker and service
 * processes.
 *
 * @module
 */

import type { Address } from "./address.ts";
import { Layout } from "./layout.ts";
import { Manager, type ManagerConfig } from "./manager.ts";
import { Peer } from "./peer.ts";
import type { Permissions } from "./permissions.ts";
import type { Router } from "./router.ts";
import { DEFAULT_RESTART, type RestartOptions, type RestartPolicy } from "./restart_policy.ts";
import type { ChildSpec } from "./supervisor.ts";
import type { PeerStats, Protocol } from "./types.ts";
import { UnixHost } from "./unix/host.ts";

/** A service process: its module and, optionally, what it runs with. */
export interface ServiceOptions {
  /** The module to run: a path relative to the working directory, or a URL. */
  module: string | URL;
  /** Permissions for this service, instead of the cluster's `permissions`. */
  permissions?: Permissions;
  /** More `deno run` flags for this service, instead of the cluster's `flags`. */
  flags?: readonly string[];
  /** Its `Deno.args`, instead of the cluster's `args`. */
  args?: readonly string[];
}

/** Options of {@linkcode Cluster.start}. */
export interface ClusterOptions {
  /**
   * The worker module: a path relative to the working directory, or a URL
   * such as `new URL("./worker.ts", import.meta.url)`. Needed when
   * `workers` is above 0.
   */
  worker?: string | URL;
  /** How many workers to start (default: `navigator.hardwareConcurrency`). */
  workers?: number;
  /** Service processes by name: a module, or {@linkcode ServiceOptions}. */
  processes?: Record<string, string | URL | ServiceOptions>;
  /**
   * Deno permissions for every child on top of its sockets (default: none,
   * so children cannot read files, use the network or read the environment).
   */
  permissions?: Permissions;
  /** More `deno run` flags for every child, e.g. `["--v8-flags=--max-old-space-size=512"]`. */
  flags?: readonly string[];
  /** `Deno.args` for every child. */
  args?: readonly string[];
  /**
   * Whether the children may listen on one TCP port together, as Node's
   * cluster workers share a port (default `false`). Each listens with
   * `reusePort: true` (`Deno.serve({ port: 8080, reusePort: true }, handler)`,
   * or `Deno.listen`), and the Linux kernel spreads the incoming
   * connections across them (SO_REUSEPORT; Deno documents it for Linux
   * only). Deno allows `reusePort` only with `--unstable-net`, so this adds
   * that flag to every child's `deno run` flags, a service's own `flags`
   * included. The port is granted in `permissions`, e.g.
   * `net: ["0.0.0.0:8080"]`.
   */
  reusePort?: boolean;
  /**
   * Whether each line a child writes to stdout or stderr is written to the
   * manager's stdout or stderr with the child's address in front (default
   * `false`): `[worker 1] listening`, `[logger] …` for a service named
   * "logger". Lines stay whole (up to 64 KiB each); a last line without a
   * newline gets one; bytes that are not UTF-8 pass unchanged; what a child
   * wrote just before it exited is written before `stop()` resolves.
   * `false` lets the children write to the manager's streams themselves,
   * which costs nothing.
   */
  labelOutput?: boolean;
  /** Default request timeout for every process, in ms (default 30 000). */
  requestTimeout?: number;
  /** Largest message, in bytes of UTF-8 JSON (default 16 MiB). */
  maxFrameSize?: number;
  /**
   * Bytes queued for one peer above which `drain()` waits (default 1 MiB).
   * Applies in every process.
   */
  highWaterMark?: number;
  /**
   * Bytes queued for one peer above which sends throw `QueueFullError`
   * instead of growing memory (default 64 MiB). Applies in every process.
   */
  maxQueuedBytes?: number;
  /**
   * Whether and how to restart a child that exits when not asked to
   * (default: on, with {@linkcode DEFAULT_RESTART}): after a back-off, with
   * the same address; past `maxRestarts` within `period` it stays down and
   * a `fatal` lifecycle event says so. `false` turns restarts off.
   */
  restart?: boolean | RestartOptions;
  /** How long children may take to become ready, in ms (default 30 000). */
  startTimeout?: number;
  /** How long children may take to exit on `stop()` before they are killed, in ms (default 5 000). */
  stopTimeout?: number;
  /**
   * Whether the manager marks itself ready a tick after `start()` resolves
   * (default `true`). Until then, messages from children are held; pass
   * `false` and call `cluster.ready()` when the manager's setup is async.
   */
  ready?: boolean;
}

/** Defaults of {@linkcode ClusterOptions}. */
export const DEFAULTS = {
  requestTimeout: 30_000,
  maxFrameSize: 16 * 1024 * 1024,
  highWaterMark: 1024 * 1024,
  maxQueuedBytes: 64 * 1024 * 1024,
  startTimeout: 30_000,
  stopTimeout: 5_000,
} as const;

/**
 * What `reusePort` adds to the children's `deno run` flags. Deno 2.9.6
 * keeps `reusePort` of `Deno.listen` and `Deno.serve` behind this flag: a
 * child without it exits with code 70, "Unstable API 'Deno.listen({
 * reusePort: true })'. The `--unstable-net` flag must be provided."
 */
const REUSE_PORT_FLAGS = ["--unstable-net"];

/**
 * A running cluster, seen from the manager: start it, message its
 * processes, stop it.
 *
 * The manager is a peer like the others (address `MANAGER`), so the whole
 * messaging API of {@linkcode Peer} is here too.
 *
 * @typeParam P The protocol: a map from action to data type.
 *
 * @example Start two workers, ask each, stop
 * ```ts
 * import { Cluster } from "@switchboard/switchboard";
 *
 * export async function run(): Promise<void> {
 *   await using cluster = await Cluster.start({
 *     worker: new URL("./worker.ts", import.meta.url),
 *     workers: 2,
 *   });
 *   const results = await cluster.requestAll("echoRequest", { text: "hi" });
 *   console.log(results); // [{ from: 0, data: … }, { from: 1, data: … }]
 * }
 * ```
 */
export class Cluster<P = Protocol> extends Peer<P> {
  readonly #manager: Manager;
  readonly #host: UnixHost;

  /**
   * Not for use: clusters come from {@linkcode Cluster.start}.
   *
   * @ignore
   */
  constructor(router: Router, manager: Manager, host: UnixHost) {
    super(router, () => manager.stop());
    this.#manager = manager;
    this.#host = host;
  }

  /**
   * Starts the workers and services and resolves once every one has
   * connected and is ready: listeners a child registers right after
   * `await connect()` miss no message sent after this resolves.
   *
   * @typeParam P The protocol: a map from action to data type.
   * @param options The modules, counts, permissions and limits.
   * @returns The running cluster.
   * @throws {TypeError} When an option is invalid.
   * @throws {Error} When a child exits before it is ready, or is not ready
   * within `startTimeout`; whatever started is stopped again first.
   *
   * @example One worker and a logger service
   * ```ts
   * import { Cluster } from "@switchboard/switchboard";
   *
   * export async function run(): Promise<void> {
   *   const cluster = await Cluster.start({
   *     worker: new URL("./worker.ts", import.meta.url),
   *     workers: 1,
   *     processes: { logger: new URL("./logger.ts", import.meta.url) },
   *     permissions: { read: ["./data"] },
   *   });
   *   cluster.getProcess("logger").send("log", { line: "started" });
   *   await cluster.stop();
   * }
   * ```
   */
  static async start<P = Protocol>(options: ClusterOptions = {}): Promise<Cluster<P>> {
    const config = managerConfig(options);
    // The processes of this host meet over Unix sockets.
    const host = await UnixHost.create({
      workers: config.layout.workerIds,
      services: config.layout.services,
    });
    const manager = await Manager.start(config, host);
    if (options.ready !== false) manager.readySoon();
    return new Cluster<P>(manager.router, manager, host);
  }

  /** The private directory of this host's Unix sockets; `stop()` removes it. */
  get socketDir(): string {
    return this.#host.dir;
  }

  /**
   * The process id of a worker or service.
   *
   * @param address A worker id or service name.
   * @returns Its pid, or undefined for an address that is not a child.
   *
   * @example Find a worker's pid
   * ```ts
   * import type { Cluster } from "@switchboard/switchboard";
   *
   * export function pidOfFirstWorker(cluster: Cluster): number | undefined {
   *   return cluster.pid(0);
   * }
   * ```
   */
  pid(address: Address): number | undefined {
    return this.#manager.pid(address);
  }

  /**
   * What the manager is doing now: its connections and open work, as
   * {@linkcode Peer.stats}, plus each child's pid, state and restarts.
   *
   * @returns A snapshot.
   *
   * @example See which children are down
   * ```ts
   * import type { Cluster } from "@switchboard/switchboard";
   *
   * export function down(cluster: Cluster): unknown[] {
   *   return cluster.stats().children!.filter((child) => child.state !== "ready");
   * }
   * ```
   */
  override stats(): PeerStats {
    return { ...super.stats(), children: this.#manager.childStats() };
  }

  /**
   * Stops the cluster gracefully: runs the manager's `onStop` handlers,
   * asks each child to stop (its `onStop` handlers run, its running
   * handlers finish), kills any child still running after `stopTimeout`,
   * rejects the manager's open requests, closes every connection and
   * removes the socket directory. Idempotent; `close()` and `await using`
   * do the same.
   *
   * @returns Resolves once no child process and no socket file remain.
   *
   * @example Stop explicitly
   * ```ts
   * import { Cluster } from "@switchboard/switchboard";
   *
   * const cluster = await Cluster.start({ workers: 0 });
   * await cluster.stop();
   * ```
   */
  stop(): Promise<void> {
    return this.#manager.stop();
  }
}

function managerConfig(options: ClusterOptions): ManagerConfig {
  const workers = options.workers ?? navigator.hardwareConcurrency;
  const services = Object.entries(options.processes ?? {});
  const layout = new Layout(workers, services.map(([name]) => name));
  if (workers > 0 && options.worker === undefined) {
    throw new TypeError(`Cluster.start() needs a "worker" module for ${workers} workers`);
  }
  const required = options.reusePort ? REUSE_PORT_FLAGS : [];
  const shared: ChildSpec = {
    module: options.worker ?? "",
    permissions: options.permissions ?? {},
    flags: [...required, ...(options.flags ?? [])],
    args: options.args ?? [],
    labelOutput: options.labelOutput ?? false,
  };
  const children = new Map<Address, ChildSpec>(layout.workerIds.map((id) => [id, shared]));
  for (const [name, service] of services) {
    const spec = typeof service === "string" || service instanceof URL
      ? { module: service }
      : service;
    if (typeof spec?.module !== "string" && !(spec?.module instanceof URL)) {
      throw new TypeError(`Service "${name}" needs a module: a path or URL`);
    }
    children.set(name, {
      module: spec.module,
      permissions: spec.permissions ?? shared.permissions,
      flags: spec.flags ? [...required, ...spec.flags] : shared.flags,
      args: spec.args ?? shared.args,
      labelOutput: shared.labelOutput,
    });
  }
  // The manager checks that a queue holds a message of the largest size,
  // with what its transport adds to one.
  const maxQueuedBytes = positive(options, "maxQueuedBytes");
  const maxFrameSize = positive(options, "maxFrameSize");
  return {
    layout,
    children,
    maxFrameSize,
    requestTimeout: positive(options, "requestTimeout"),
    highWaterMark: positive(options, "highWaterMark"),
    maxQueuedBytes,
    startTimeout: positive(options, "startTimeout"),
    stopTimeout: positive(options, "stopTimeout"),
    restart: restartPolicy(options.restart),
  };
}

function restartPolicy(restart: ClusterOptions["restart"]): RestartPolicy | null {
  if (restart === false) return null;
  const policy = { ...DEFAULT_RESTART, ...(restart === true ? {} : restart) };
  for (const [key, value] of Object.entries(policy)) {
    if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
      throw new TypeError(`"restart.${key}" must be a finite number >= 0, got ${value}`);
    }
  }
  return policy;
}

function positive(options: ClusterOptions, key: keyof typeof DEFAULTS): number {
  const value = options[key] ?? DEFAULTS[key];
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new TypeError(`"${key}" must be a finite number above 0, got ${value}`);
  }
  return value;
}
