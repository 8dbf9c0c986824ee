/**
 * The manager's machinery behind {@linkcode Cluster}: the transport host
 * the children meet at, the manager's router, the supervisor of the
 * children, and the order of start and stop.
 *
 * @module
 */

import { type Address, MANAGER } from "./address.ts";
import { BOOTSTRAP_VERSION } from "./bootstrap.ts";
import { EVENT, READY, STOP } from "./control.ts";
import type { Layout } from "./layout.ts";
import { permissionFlags } from "./permissions.ts";
import type { RestartPolicy } from "./restart_policy.ts";
import { Router } from "./router.ts";
import { type ChildSpec, Supervisor } from "./supervisor.ts";
import type { Endpoint, TransportHost } from "./transport.ts";
import type { ChildStats, LifecycleEvent } from "./types.ts";

/** Everything the manager needs, validated. */
export interface ManagerConfig {
  /** The cluster's processes. */
  layout: Layout;
  /** How to start each child, by address. */
  children: ReadonlyMap<Address, ChildSpec>;
  /** The largest frame to send or accept. */
  maxFrameSize: number;
  /** The default request timeout, in ms. */
  requestTimeout: number;
  /** Queued bytes per peer above which `drain()` waits. */
  highWaterMark: number;
  /** Queued bytes per peer above which sends are refused. */
  maxQueuedBytes: number;
  /** How long children may take to become ready, in ms. */
  startTimeout: number;
  /** How long children may take to exit after `$stop`, in ms. */
  stopTimeout: number;
  /** How to restart children that exit; null: never. */
  restart: RestartPolicy | null;
}

/** Runs a cluster's children and the manager's end of their connections. */
export class Manager {
  /** The manager's router. */
  readonly router: Router;
  readonly #host: TransportHost;
  readonly #supervisor: Supervisor;
  #stopping: Promise<void> | undefined;

  private constructor(host: TransportHost, router: Router, config: ManagerConfig) {
    this.#host = host;
    this.router = router;
    this.#supervisor = new Supervisor({
      children: config.children,
      restart: config.restart,
      startTimeout: config.startTimeout,
      stopTimeout: config.stopTimeout,
      command: (address, spec) => ({
        flags: [...permissionFlags(host.childPermissions, spec.permissions), ...spec.flags],
        bootstrap: {
          version: BOOTSTRAP_VERSION,
          self: address,
          workers: config.layout.workers,
          services: [...config.layout.services],
          maxFrameSize: config.maxFrameSize,
          requestTimeout: config.requestTimeout,
          highWaterMark: config.highWaterMark,
          maxQueuedBytes: config.maxQueuedBytes,
          transport: host.childConfig,
        },
      }),
      isConnected: (address) => router.connected().includes(address),
      released: (address) => host.released(address),
      announce: (event) => this.#announce(event),
      report: (error) => router.listeners.report(error),
    });
  }

  /**
   * Opens the manager's endpoint on `host`, starts the children and
   * resolves once every one is ready.
   *
   * @param host Where the children meet; the manager closes it when it stops.
   * @throws {Error} When a child exits or is late; everything started is
   * stopped again before this rejects.
   */
  static async start(config: ManagerConfig, host: TransportHost): Promise<Manager> {
    let endpoint: Endpoint | undefined;
    let manager: Manager | undefined;
    // What the endpoint reports goes to the console until the router exists.
    let report = (error: Error) => console.error(error);
    try {
      endpoint = await host.open(MANAGER, {
        maxPayload: config.maxFrameSize,
        report: (error) => report(error),
      });
      checkQueueLimit(config, endpoint.overhead);
      const router: Router = new Router({
        endpoint,
        layout: config.layout,
        maxFrameSize: config.maxFrameSize,
        requestTimeout: config.requestTimeout,
        highWaterMark: config.highWaterMark,
        maxQueuedBytes: config.maxQueuedBytes,
        control: { [READY]: { run: (_data, from) => manager!.#supervisor.ready(from) } },
      });
      report = (error) => router.listeners.report(error);
      manager = new Manager(host, router, config);
      await manager.#supervisor.start();
    } catch (error) {
      if (manager) {
        await manager.stop();
      } else {
        endpoint?.close();
        await endpoint?.closed;
        await host.close();
      }
      throw error;
    }
    return manager;
  }

  /** Marks the manager ready: held messages go out in the next task, after the caller's listeners are on. */
  readySoon(): void {
    this.router.ready();
  }

  /** The process id of a child, while it runs. */
  pid(address: Address): number | undefined {
    return this.#supervisor.pid(address);
  }

  /** Each child's pid, state and restarts. */
  childStats(): ChildStats[] {
    return this.#supervisor.stats();
  }

  /**
   * Stops the cluster: the manager's stop handlers, then `$stop` to each
   * child and SIGKILL to those still running after `stopTimeout`, then
   * the connections and what the transport host made. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** Tells the manager's lifecycle listeners and every connected child. */
  #announce(event: LifecycleEvent): void {
    for (const address of this.router.connected()) this.router.sendControl(address, EVENT, event);
    this.router.listeners.lifecycle(event);
  }

  async #stop(): Promise<void> {
    this.#supervisor.halt();
    this.router.refuseNewRequests();
    await this.router.listeners.stopping();
    await this.#supervisor.stop((address) => this.router.sendControl(address, STOP));
    await this.router.close();
    await this.#host.close();
  }
}

/**
 * A queue must hold at least one message of the largest size, with what the
 * transport adds to it.
 *
 * @throws {TypeError} When `maxQueuedBytes` is below that.
 */
function checkQueueLimit(config: ManagerConfig, overhead: Endpoint["overhead"]): void {
  const { maxQueuedBytes, maxFrameSize } = config;
  if (maxQueuedBytes >= maxFrameSize + overhead) return;
  throw new TypeError(
    `"maxQueuedBytes" (${maxQueuedBytes}) must be at least "maxFrameSize" + ${overhead} (${
      maxFrameSize + overhead
    })`,
  );
}
