/**
 * The manager's machinery behind {@linkcode Cluster}: the private socket
 * directory, the listener children join through, the children themselves,
 * and the order of start and stop.
 *
 * @module
 */

import { type Address, describe, MANAGER } from "./address.ts";
import { BOOTSTRAP_VERSION } from "./bootstrap.ts";
import type { WireMessage } from "./codec.ts";
import { deadline } from "./deadline.ts";
import { FrameError } from "./errors.ts";
import { Gate } from "./gate.ts";
import { HANDSHAKE_FRAME_LIMIT, newToken, READY, STOP } from "./handshake.ts";
import type { Layout } from "./layout.ts";
import { permissionFlags, type Permissions } from "./permissions.ts";
import { type Link, Router } from "./router.ts";
import { spawnChild, type SpawnedChild } from "./spawn.ts";
import type { Listener } from "./transport.ts";
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
  /** How long children may take to become ready, in ms. */
  startTimeout: number;
  /** How long children may take to exit after `$stop`, in ms. */
  stopTimeout: number;
}

/** The longest Unix socket path Linux and macOS accept, in bytes. */
const MAX_SOCKET_PATH = 103;

interface Child {
  address: Address;
  spawned: SpawnedChild;
  status: Promise<Deno.CommandStatus>;
  ready: PromiseWithResolvers<void>;
  isReady: boolean;
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
  readonly #children = new Map<Address, Child>();
  #listener: Listener | undefined;
  #serving: Promise<void> | undefined;
  #readyTimer: ReturnType<typeof setTimeout> | undefined;
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
      onControl: (link, message) => this.#onControl(link, message),
    });
    this.#gate = new Gate(this.router, this.#token, {
      refuse: (from) => this.#refuse(from),
      welcome: (from) => ({ peers: this.router.connected().filter((peer) => peer !== from) }),
    });
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

  /** Marks the manager ready a tick from now, after the caller's listeners are on. */
  readySoon(): void {
    this.#readyTimer = setTimeout(() => this.router.ready(), 0);
  }

  /** The process id of a child, while it runs. */
  pid(address: Address): number | undefined {
    return this.#children.get(address)?.spawned.process.pid;
  }

  /**
   * Stops the children (`$stop`, then SIGKILL after `stopTimeout`), closes
   * every connection and removes the socket directory. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #listen(): Promise<void> {
    const endpoints = [MANAGER, ...this.#config.layout.children()].map((address) =>
      this.#transport.path(this.#config.layout.endpoint(address))
    );
    const longest = endpoints.reduce((a, b) => (b.length > a.length ? b : a));
    if (new TextEncoder().encode(longest).length > MAX_SOCKET_PATH) {
      throw new Error(
        `Socket path ${longest} is over ${MAX_SOCKET_PATH} bytes; set TMPDIR to a shorter directory`,
      );
    }
    this.#listener = await this.#transport.listen("m", HANDSHAKE_FRAME_LIMIT);
    this.#serving = this.#gate.serve(this.#listener).catch((error) => this.router.report(error));
  }

  async #startChildren(): Promise<void> {
    const { layout, children, startTimeout } = this.#config;
    const sockets = [MANAGER, ...layout.children()].map((address) =>
      this.#transport.path(layout.endpoint(address))
    );
    for (const [address, spec] of children) {
      const spawned = spawnChild({
        module: spec.module,
        flags: [...permissionFlags(sockets, spec.permissions), ...spec.flags],
        args: spec.args,
      }, {
        version: BOOTSTRAP_VERSION,
        dir: this.dir,
        self: address,
        token: this.#token,
        workers: layout.workers,
        services: [...layout.services],
        maxFrameSize: this.#config.maxFrameSize,
        requestTimeout: this.#config.requestTimeout,
      });
      const child: Child = {
        address,
        spawned,
        status: spawned.process.status,
        ready: Promise.withResolvers<void>(),
        isReady: false,
      };
      child.ready.promise.catch(() => {});
      child.status.then((status) => this.#onExit(child, status));
      this.#children.set(address, child);
    }
    await deadline(
      Promise.all([...this.#children.values()].map((child) => child.ready.promise)),
      startTimeout,
      () => new Error(`Cluster did not start within ${startTimeout} ms: ${this.#late()}`),
    );
  }

  #late(): string {
    const late = [...this.#children.values()].filter((child) => !child.isReady);
    return late.map((child) =>
      this.router.link(child.address)
        ? `${describe(child.address)} connected but did not become ready (did it call ready()?)`
        : `${describe(child.address)} did not connect (did it call connect()?)`
    ).join("; ");
  }

  #onExit(child: Child, status: Deno.CommandStatus): void {
    if (this.#stopping) return;
    const how = status.signal ? `on signal ${status.signal}` : `with code ${status.code}`;
    if (!child.isReady) {
      child.ready.reject(new Error(`${describe(child.address)} exited ${how} before it was ready`));
    } else {
      this.router.report(new Error(`${describe(child.address)} exited unexpectedly ${how}`));
    }
  }

  #refuse(from: Address): string | undefined {
    if (this.#stopping) return "the cluster is stopping";
    if (!this.#children.has(from)) return `${describe(from)} is not a child of this cluster`;
    return undefined;
  }

  #onControl(link: Link, message: WireMessage): void {
    if (link.address === undefined) return this.#gate.admit(link, message);
    const child = this.#children.get(link.address);
    if (message.action === READY && child) {
      child.isReady = true;
      child.ready.resolve();
      return;
    }
    this.router.drop(
      link,
      new FrameError(`Bad frame from ${link.name}: unexpected "${message.action}"`),
    );
  }

  async #stop(): Promise<void> {
    clearTimeout(this.#readyTimer);
    for (const child of this.#children.values()) {
      const link = this.router.link(child.address);
      if (link) this.router.sendControl(link, STOP);
    }
    await Promise.all([...this.#children.values()].map((child) => this.#reap(child)));
    this.#listener?.close();
    await this.#serving;
    this.#gate.close();
    await this.router.close();
    await Deno.remove(this.dir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }

  /** Waits for a child to exit after `$stop`, killing it when it is late. */
  async #reap(child: Child): Promise<void> {
    const asked = this.router.link(child.address) !== undefined;
    const exited = asked &&
      await deadline(child.status, this.#config.stopTimeout, () => new Error("late")).then(
        () => true,
        () => false,
      );
    if (!exited) {
      try {
        child.spawned.process.kill("SIGKILL");
      } catch {
        // It exited meanwhile.
      }
      await child.status;
    }
    await child.spawned.bootstrapped;
  }
}
