/**
 * The manager's machinery behind {@linkcode Cluster}: the private socket
 * directory, the listener children join through, the children themselves
 * (started, supervised, restarted), and the order of start and stop.
 *
 * @module
 */

import { type Address, describe, MANAGER } from "./address.ts";
import { BOOTSTRAP_VERSION } from "./bootstrap.ts";
import type { WireMessage } from "./codec.ts";
import { deadline } from "./deadline.ts";
import { FrameError, SwitchboardError } from "./errors.ts";
import { Gate } from "./gate.ts";
import { EVENT, HANDSHAKE_FRAME_LIMIT, newToken, READY, STOP } from "./handshake.ts";
import type { Layout } from "./layout.ts";
import type { Link } from "./link.ts";
import { permissionFlags, type Permissions } from "./permissions.ts";
import { RestartBudget, type RestartPolicy } from "./restart_policy.ts";
import { Router } from "./router.ts";
import { spawnChild, type SpawnedChild } from "./spawn.ts";
import type { Acceptor } from "./transport.ts";
import type { ChildState, ChildStats, LifecycleEvent } from "./types.ts";
import { UnixTransport } from "./unix_transport.ts";

/** How to start one child, before its socket permissions are known. */
export interface ChildSpec {
  /** The module to run. */
  module: string | URL;
  /** What to grant on top of its sockets. */
  permissions: Permissions;
  /** More `deno run` flags. */
  flags: readonly string[];
  /** Its `Deno.args`. */
  args: readonly string[];
}

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

/** The longest Unix socket path Linux and macOS accept, in bytes. */
const MAX_SOCKET_PATH = 103;

/** One child address, across the processes that held it. */
interface Slot {
  address: Address;
  spec: ChildSpec;
  state: ChildState;
  /** The process now running it, if any. */
  process: SpawnedChild | undefined;
  restarts: number;
  budget: RestartBudget | undefined;
  backoff: ReturnType<typeof setTimeout> | undefined;
  /** Kills a restarted process that is not ready within `startTimeout`. */
  readyTimer: ReturnType<typeof setTimeout> | undefined;
  /** Settles when its first process is ready, or fails before. */
  started: PromiseWithResolvers<void>;
  wasReady: boolean;
}

/** Runs a cluster's children and the manager's end of their connections. */
export class Manager {
  /** The manager's router. */
  readonly router: Router;
  /** The private directory holding the sockets. */
  readonly dir: string;
  readonly #config: ManagerConfig;
  readonly #transport: UnixTransport;
  readonly #token = newToken();
  readonly #gate: Gate;
  readonly #slots = new Map<Address, Slot>();
  /** Every process started and not yet reaped, restarts included. */
  readonly #processes = new Set<SpawnedChild>();
  #listener: Acceptor | undefined;
  #serving: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(config: ManagerConfig, dir: string) {
    this.#config = config;
    this.dir = dir;
    this.#transport = new UnixTransport(dir);
    this.router = new Router({
      self: MANAGER,
      layout: config.layout,
      maxFrameSize: config.maxFrameSize,
      requestTimeout: config.requestTimeout,
      highWaterMark: config.highWaterMark,
      maxQueuedBytes: config.maxQueuedBytes,
      onControl: (link, message) => this.#onControl(link, message),
      onStrangerError: (link, error) => this.#gate.refuse(link, error.message),
    });
    this.#gate = new Gate(this.router, this.#token, (from) => this.#refuse(from));
    this.#gate.startTiming();
  }

  /**
   * Starts the children and resolves once every one is ready.
   *
   * @throws {Error} When a child exits or is late; everything started is
   * stopped again before this rejects.
   */
  static async start(config: ManagerConfig): Promise<Manager> {
    const dir = await Deno.makeTempDir({ prefix: "switchboard-" });
    const manager = new Manager(config, dir);
    try {
      await Deno.chmod(dir, 0o700);
      await manager.#listen();
      await manager.#startChildren();
    } catch (error) {
      await manager.stop();
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
    return this.#slots.get(address)?.process?.process.pid;
  }

  /** Each child's pid, state and restarts. */
  childStats(): ChildStats[] {
    return [...this.#slots.values()].map((child) => ({
      address: child.address,
      pid: child.process?.process.pid,
      state: child.state,
      restarts: child.restarts,
    }));
  }

  /**
   * Stops the cluster: the manager's stop handlers, then `$stop` to each
   * child and SIGKILL to those still running after `stopTimeout`, then
   * every connection and the socket directory. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #listen(): Promise<void> {
    const longest = this.#socketPaths().reduce((a, b) => (b.length > a.length ? b : a));
    if (new TextEncoder().encode(longest).length > MAX_SOCKET_PATH) {
      throw new SwitchboardError(
        `Socket path ${longest} is over ${MAX_SOCKET_PATH} bytes; set TMPDIR to a shorter directory`,
      );
    }
    this.#listener = await this.#transport.listen(
      "m",
      HANDSHAKE_FRAME_LIMIT,
      (error) => this.router.listeners.report(error),
    );
    this.#serving = this.#gate.serve(this.#listener).catch((error) =>
      this.router.listeners.report(error)
    );
  }

  #socketPaths(): string[] {
    const { layout } = this.#config;
    return [MANAGER, ...layout.children()].map((address) =>
      this.#transport.path(layout.endpoint(address))
    );
  }

  async #startChildren(): Promise<void> {
    const { restart, startTimeout } = this.#config;
    for (const [address, spec] of this.#config.children) {
      const child: Slot = {
        address,
        spec,
        state: "starting",
        process: undefined,
        restarts: 0,
        budget: restart ? new RestartBudget(restart) : undefined,
        backoff: undefined,
        readyTimer: undefined,
        started: Promise.withResolvers<void>(),
        wasReady: false,
      };
      child.started.promise.catch(() => {});
      this.#slots.set(address, child);
      this.#spawn(child);
    }
    await deadline(
      Promise.all([...this.#slots.values()].map((child) => child.started.promise)),
      startTimeout,
      () =>
        new SwitchboardError(`Cluster did not start within ${startTimeout} ms: ${this.#late()}`),
    );
  }

  #spawn(child: Slot): void {
    const { layout } = this.#config;
    const spawned = spawnChild({
      module: child.spec.module,
      flags: [...permissionFlags(this.#socketPaths(), child.spec.permissions), ...child.spec.flags],
      args: child.spec.args,
    }, {
      version: BOOTSTRAP_VERSION,
      dir: this.dir,
      self: child.address,
      token: this.#token,
      workers: layout.workers,
      services: [...layout.services],
      maxFrameSize: this.#config.maxFrameSize,
      requestTimeout: this.#config.requestTimeout,
      highWaterMark: this.#config.highWaterMark,
      maxQueuedBytes: this.#config.maxQueuedBytes,
    });
    child.process = spawned;
    this.#processes.add(spawned);
    spawned.process.status.then((status) => {
      spawned.stdin.close();
      this.#onExit(child, spawned, status);
      return spawned.stdin.done;
    }).then(() => this.#processes.delete(spawned));
  }

  /**
   * Removes a dead child's socket file, which a killed process leaves
   * behind: the other children dial a child only while its file exists.
   */
  #removeSocket(address: Address): void {
    try {
      Deno.removeSync(this.#transport.path(this.#config.layout.endpoint(address)));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) this.router.listeners.report(error as Error);
    }
  }

  #late(): string {
    const late = [...this.#slots.values()].filter((child) => !child.wasReady);
    return late.map((child) =>
      this.router.link(child.address)
        ? `${describe(child.address)} connected but did not become ready (did it call ready()?)`
        : `${describe(child.address)} did not connect (did it call connect()?)`
    ).join("; ");
  }

  #onExit(child: Slot, spawned: SpawnedChild, status: Deno.CommandStatus): void {
    if (this.#stopping || child.process !== spawned) return;
    child.process = undefined;
    clearTimeout(child.readyTimer);
    this.#removeSocket(child.address);
    const how = status.signal ? `on signal ${status.signal}` : `with code ${status.code}`;
    const { address } = child;
    if (!child.wasReady) {
      child.state = "stopped";
      child.started.reject(
        new SwitchboardError(`${describe(address)} exited ${how} before it was ready`),
      );
      return;
    }
    const delay = child.budget?.onExit(performance.now());
    this.#announce({
      type: "exit",
      address,
      code: status.code,
      signal: status.signal,
      restart: delay !== undefined,
    });
    if (child.budget) {
      this.#afterFailure(child, delay, `exited ${how}`);
    } else {
      child.state = "stopped";
      this.router.listeners.report(
        new SwitchboardError(`${describe(address)} exited unexpectedly ${how}`),
      );
    }
  }

  /**
   * After a child went down, or could not be started again: restart it
   * after `delay`, or, with no delay left in its budget, give it up.
   */
  #afterFailure(child: Slot, delay: number | undefined, what: string): void {
    if (delay !== undefined) {
      child.state = "restarting";
      child.backoff = setTimeout(() => this.#restart(child), delay);
      return;
    }
    const { maxRestarts, period } = this.#config.restart!;
    child.state = "failed";
    this.#announce({ type: "fatal", address: child.address, restarts: maxRestarts, period });
    this.router.listeners.report(
      new SwitchboardError(
        `${
          describe(child.address)
        } ${what} after ${maxRestarts} restarts within ${period} ms; it stays down`,
      ),
    );
  }

  #restart(child: Slot): void {
    child.backoff = undefined;
    if (this.#stopping) return;
    child.restarts++;
    child.state = "starting";
    this.#announce({ type: "restart", address: child.address, attempt: child.restarts });
    try {
      this.#spawn(child);
    } catch (error) {
      // E.g. out of processes or memory: a failed restart, not a crash.
      this.router.listeners.report(
        new SwitchboardError(`Could not restart ${describe(child.address)}`, { cause: error }),
      );
      this.#afterFailure(child, child.budget!.onExit(performance.now()), "could not be started");
      return;
    }
    // A restart that hangs must not leave the address down for good: kill
    // it, and the restart policy decides again.
    const spawned = child.process!;
    const { startTimeout } = this.#config;
    child.readyTimer = setTimeout(() => {
      if (child.process !== spawned || child.state !== "starting") return;
      this.router.listeners.report(
        new SwitchboardError(
          `${describe(child.address)} was not ready within ${startTimeout} ms after its restart`,
        ),
      );
      spawned.process.kill("SIGKILL");
    }, startTimeout);
  }

  /** Tells the manager's lifecycle listeners and every connected child. */
  #announce(event: LifecycleEvent): void {
    for (const address of this.router.connected()) {
      const link = this.router.link(address);
      if (link) this.router.sendControl(link, EVENT, event);
    }
    this.router.listeners.lifecycle(event);
  }

  #refuse(from: Address): string | undefined {
    if (this.#stopping) return "the cluster is stopping";
    if (!this.#slots.has(from)) return `${describe(from)} is not a child of this cluster`;
    // A child is connected once; a restarted one comes back after the old
    // connection closed with the old process.
    if (this.router.link(from)) return `${describe(from)} is connected already`;
    return undefined;
  }

  #onControl(link: Link, message: WireMessage): void {
    if (link.address === undefined) return this.#gate.admit(link, message);
    const child = this.#slots.get(link.address);
    if (message.action === READY && child) {
      child.process?.stdin.goAhead();
      clearTimeout(child.readyTimer);
      child.state = "ready";
      if (child.wasReady) {
        this.#announce({ type: "ready", address: child.address });
      } else {
        child.wasReady = true;
        child.started.resolve();
      }
      return;
    }
    this.router.drop(
      link,
      new FrameError(`Bad frame from ${link.name}: unexpected "${message.action}"`),
    );
  }

  async #stop(): Promise<void> {
    for (const child of this.#slots.values()) clearTimeout(child.readyTimer);
    for (const child of this.#slots.values()) clearTimeout(child.backoff);
    this.router.refuseNewRequests();
    await this.router.listeners.stopping();
    const asked = new Set<SpawnedChild>();
    for (const child of this.#slots.values()) {
      const link = this.router.link(child.address);
      if (link && child.process && this.router.sendControl(link, STOP)) asked.add(child.process);
    }
    await Promise.all(
      [...this.#processes].map((spawned) => this.#reap(spawned, asked.has(spawned))),
    );
    for (const child of this.#slots.values()) {
      child.process = undefined;
      if (child.state !== "failed") child.state = "stopped";
    }
    this.#listener?.close();
    await this.#serving;
    this.#gate.close();
    await this.router.close();
    await Deno.remove(this.dir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }

  /**
   * Waits for a process asked to stop to exit, killing it when it is late;
   * one that was never asked (it had not joined) is killed at once.
   */
  async #reap(spawned: SpawnedChild, asked: boolean): Promise<void> {
    const { status } = spawned.process;
    const exited = asked &&
      await deadline(status, this.#config.stopTimeout, () => new Error("stopTimeout passed"))
        .then(() => true, () => false);
    if (!exited) {
      try {
        spawned.process.kill("SIGKILL");
      } catch {
        // It exited meanwhile.
      }
      await status;
    }
    spawned.stdin.close();
    await spawned.stdin.done;
  }
}
