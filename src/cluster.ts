/**
 * {@linkcode Cluster}: the manager's handle on its worker and service
 * processes.
 *
 * @module
 */

import type { Carried } from "./carried_types.ts";
import type { Address, Target } from "./address.ts";
import type { HostRecord } from "./broker.ts";
import type { ClusterOptions } from "./cluster_options.ts";
import { SwitchboardError } from "./errors.ts";
import type { Manager } from "./manager.ts";
import { Peer } from "./peer.ts";
import type { CarriedSchemaProtocol, Schemas, SchemasFor } from "./schema.ts";
import type { Router } from "./router.ts";
import type { Protocol } from "./protocol.ts";
import type { ClusterStats } from "./stats.ts";
import type { UnixHost } from "./unix/host.ts";

/**
 * A running cluster, seen from the manager: start it, message its
 * processes, stop it.
 *
 * The manager is a peer like the others (address `MANAGER`), so the whole
 * messaging API of {@linkcode Peer} is here too.
 *
 * @typeParam P The protocol: a map from action to data type.
 * @typeParam S The service names (see {@linkcode Cluster.start}).
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
export class Cluster<P extends Carried<P> = Protocol, S extends string = string>
  extends Peer<P, S> {
  readonly #manager: Manager;
  readonly #host: UnixHost;
  readonly #hosts: (() => HostRecord[]) | undefined;

  /**
   * Not for use: clusters come from {@linkcode Cluster.start}.
   *
   * @ignore
   */
  constructor(router: Router, manager: Manager, host: UnixHost, hosts?: () => HostRecord[]) {
    super(router, () => manager.stop());
    this.#manager = manager;
    this.#host = host;
    this.#hosts = hosts;
  }

  /**
   * Starts the cluster as {@linkcode Cluster.start} below does, its
   * protocol inferred from `schemas` ({@linkcode CarriedSchemaProtocol}) and
   * its service names from `processes`, when no type argument is given.
   *
   * @typeParam C The schemas, by action.
   * @typeParam S The service names, inferred from `processes`.
   * @param options The modules, counts, permissions, limits and schemas.
   * @returns The running cluster, typed by its schemas.
   *
   * @example A protocol from Zod schemas (`z.object({ name: z.string() })`, …)
   * ```ts
   * import { Cluster, type StandardSchemaV1 } from "@switchboard/switchboard";
   *
   * const name: StandardSchemaV1<{ name: string }> = {
   *   "~standard": {
   *     version: 1,
   *     vendor: "example",
   *     validate: (value) => ({ value: value as { name: string } }),
   *   },
   * };
   *
   * export async function run(): Promise<void> {
   *   await using cluster = await Cluster.start({ worker: "./worker.ts", schemas: { greet: name } });
   *   cluster.sendMessage("greet", { name: "Ada" }); // { name: 5 } is a type error
   * }
   * ```
   */
  static start<const C extends Schemas, S extends string = string>(
    options: ClusterOptions<S> & { schemas: C },
  ): Promise<
    // Each `C`'s protocol is carried (CarriedSchemaProtocol); the check says so to TypeScript.
    // Schemas not known yet (a generic `C`) give an untyped cluster, not nothing.
    [CarriedSchemaProtocol<C>] extends [infer P extends Carried<P>] ? Cluster<P, S>
      : Cluster<Protocol, S>
  >;
  /**
   * Starts the workers and services and resolves once every one has
   * connected and is ready: listeners a child registers right after
   * `await connect()` miss no message sent after this resolves.
   *
   * @typeParam P The protocol: a map from action to data type; without a
   * type argument, inferred from `schemas` when they are given
   * ({@linkcode SchemaProtocol}).
   * @typeParam S The service names, inferred from `processes` when no type
   * argument is given: then `getProcess("metric")` and `to: "metric"` are
   * type errors unless `processes` has a "metric". (Given `P` alone, any
   * name is accepted: pass both, `Cluster.start<P, "logger">`, for both.)
   * @param options The modules, counts, permissions and limits.
   * @returns The running cluster.
   * @throws {TypeError} When an option is invalid, e.g. a service with both
   * or neither of `module` and `command`, or has a name no option has.
   * @throws {Error} When a module on disk is not there, or a child cannot
   * be started, exits before it is ready, or is not ready within
   * `startTimeout`; whatever started is stopped again first.
   * @throws {Deno.errors.NotCapable} When `maxMemory` is given and the
   * manager runs without `--allow-all`, which Deno needs to read `/proc`;
   * nothing was started.
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
   *
   * @example A service in another language
   * ```ts
   * import { Cluster } from "@switchboard/switchboard";
   *
   * export async function run(): Promise<void> {
   *   // The manager runs with --allow-run=node; the service speaks the protocol itself.
   *   await using cluster = await Cluster.start({
   *     workers: 0,
   *     processes: { resizer: { command: ["node", "./resizer.mjs"] } },
   *   });
   *   console.log(await cluster.request("resizeRequest", { width: 64 }, { to: "resizer" }));
   * }
   * ```
   */
  static start<P extends Carried<P> = Protocol, S extends string = string>(
    options?: Omit<ClusterOptions<S>, "schemas"> & { schemas?: SchemasFor<P> },
  ): Promise<Cluster<P, S>>;
  static async start<P extends Carried<P> = Protocol, S extends string = string>(
    options?: ClusterOptions<S>,
  ): Promise<Cluster<P, S>> {
    // Loaded here, not with this module: a child imports the package too,
    // and need not load the manager's side of it (a dozen modules) to start.
    const { startManager } = await import("./cluster_start.ts");
    try {
      const { manager, host, hosts } = await startManager(options ?? {});
      return new Cluster<P, S>(manager.router, manager, host, hosts);
    } catch (error) {
      // Made where a child's exit was seen, such an error's stack shows
      // nothing of who started the cluster; one made here, after the await, does.
      const here = new Error().stack ?? "";
      // (No frames when Error.stackTraceLimit is 0: then it is left as it is.)
      if (error instanceof SwitchboardError && here.includes("\n")) {
        error.stack = `${error.name}: ${error.message}${here.slice(here.indexOf("\n"))}`;
      }
      throw error;
    }
  }

  /**
   * Settles once the cluster has stopped: resolves after `stop()` or a
   * signal; rejects with the reason when a child was given up and the
   * cluster stopped (see `escalate`). A long-running manager ends with
   * `await cluster.closed`. Marked handled, as a web stream's `closed` is:
   * the rejection ends no process that never read it (`onError` hears of
   * the child there).
   *
   * @example Run until stopped
   * ```ts
   * import { Cluster } from "@switchboard/switchboard";
   *
   * export async function serve(): Promise<void> {
   *   const cluster = await Cluster.start({ worker: "./worker.ts", workers: 4 });
   *   await cluster.closed; // Ctrl-C or SIGTERM stop it; a child given up rejects
   * }
   * ```
   */
  get closed(): Promise<void> {
    return this.#manager.closed;
  }

  /**
   * Restarts children one at a time, to load new code: each old process
   * does its stop work (its `onStop` handlers, its running handlers) while
   * still receiving, then exits; its replacement starts with the same
   * address, and the next goes only once it is ready. Requests already in
   * flight to a reloading child are answered. A reload never counts as a
   * crash. SIGHUP does the same for every worker.
   *
   * @param to A worker id, a service name, or a list; default every worker.
   * @returns Resolves once every target runs a new process and is ready.
   * @throws {SwitchboardError} When a replacement is not ready within
   * `startTimeout` or exits first; the rest are not reloaded.
   * @throws {ClosedError} When the cluster is stopping.
   * @throws {TypeError} When a target is not a child of this host's manager
   * (across hosts, the error names the host that runs it).
   *
   * @example Roll new code out to the workers
   * ```ts
   * import type { Cluster } from "@switchboard/switchboard";
   *
   * export async function deploy(cluster: Cluster): Promise<void> {
   *   await cluster.reload(); // worker 0, then 1, …; never all down at once
   * }
   * ```
   */
  reload(to?: Target<S>): Promise<void> {
    return this.#manager.reload(to);
  }

  /** The private directory of this host's Unix sockets; `stop()` removes it. */
  get socketDir(): string {
    return this.#host.dir;
  }

  /**
   * The process id of a worker or service of this host.
   *
   * @param address A worker id or service name.
   * @returns Its pid, or undefined for an address that is not a child of
   * this host (one on another host, across hosts), or not running now.
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
  pid(address: Address<S>): number | undefined {
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
   *   return cluster.stats().children.filter((child) => child.state !== "ready");
   * }
   * ```
   */
  override stats(): ClusterStats {
    const stats = { ...super.stats(), children: this.#manager.childStats() };
    return this.#hosts ? { ...stats, hosts: this.#hosts() } : stats;
  }

  /**
   * Stops the cluster gracefully: runs the manager's `onStop` handlers and
   * refuses new requests; then every child does its stop work (its
   * `onStop` handlers, its running handlers) while it still receives, and
   * once all have, each closes (what it sent is delivered) and exits. A
   * child whose stop work outlasts `stopTimeout` (a service's own, if it
   * has one) is told to exit all the same, one still running `stopTimeout`
   * after that is killed, and each is reported to `onError`. In a cluster that spans hosts, the manager then
   * refuses new requests from other hosts, answers those it took (within
   * `stopTimeout`), reads what they sent until the broker stopped sending
   * to this host, and tells them it leaves: what they sent later is refused
   * to them as not delivered. Last, the manager's open requests are
   * rejected, its connections closed and the socket directory removed, and
   * `closed` resolves. Idempotent;
   * `close()` and `await using` do the same; SIGINT and SIGTERM call it.
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
