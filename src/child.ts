/**
 * A child's machinery behind `connect()`: listen at its own endpoint, join
 * through the manager, dial the children that joined earlier, tell the
 * manager when ready, and exit when the manager stops the cluster or
 * disappears.
 *
 * @module
 */

import { type Address, describe, MANAGER } from "./address.ts";
import type { Bootstrap } from "./bootstrap.ts";
import type { WireMessage } from "./codec.ts";
import { FrameError, SwitchboardError, UnreachableError } from "./errors.ts";
import { Gate } from "./gate.ts";
import {
  EVENT,
  HANDSHAKE_FRAME_LIMIT,
  HELLO,
  readWelcome,
  READY,
  STOP,
  WELCOME,
} from "./handshake.ts";
import { Layout } from "./layout.ts";
import { nextTask } from "./next_task.ts";
import type { Link } from "./link.ts";
import { Router } from "./router.ts";
import type { Acceptor } from "./transport.ts";
import type { LifecycleEvent } from "./types.ts";
import { UnixTransport } from "./unix_transport.ts";

/** Exit code of a child whose manager disappeared. */
const ORPHAN_EXIT_CODE = 1;

/** One child's end of its cluster. */
export class ChildSide {
  /** The child's router. */
  readonly router: Router;
  readonly #bootstrap: Bootstrap;
  readonly #layout: Layout;
  readonly #transport: UnixTransport;
  readonly #gate: Gate;
  readonly #welcomes = new Map<Link, PromiseWithResolvers<Address[]>>();
  #listener: Acceptor | undefined;
  #serving: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #stopping = false;

  constructor(bootstrap: Bootstrap) {
    this.#bootstrap = bootstrap;
    this.#layout = new Layout(bootstrap.workers, bootstrap.services);
    this.#transport = new UnixTransport(bootstrap.dir);
    this.router = new Router({
      self: bootstrap.self,
      layout: this.#layout,
      maxFrameSize: bootstrap.maxFrameSize,
      requestTimeout: bootstrap.requestTimeout,
      highWaterMark: bootstrap.highWaterMark,
      maxQueuedBytes: bootstrap.maxQueuedBytes,
      onControl: (link, message) => this.#onControl(link, message),
      onStrangerError: (link, error) => this.#gate.refuse(link, error.message),
      onLinkClosed: (address) => this.#onLinkClosed(address),
      onReady: () => this.#sendReady(),
    });
    this.#gate = new Gate(this.router, bootstrap.token, {
      refuse: (from) => this.#refuse(from),
      welcome: () => ({}),
    });
  }

  /**
   * Joins the cluster: listens, says hello to the manager, then to every
   * child the manager names as joined before.
   *
   * @throws {Error} When the manager cannot be reached or refuses.
   */
  async join(): Promise<void> {
    const self = this.#bootstrap.self;
    this.#listener = await this.#transport.listen(
      this.#layout.endpoint(self),
      HANDSHAKE_FRAME_LIMIT,
      (error) => this.router.listeners.report(error),
    );
    this.#serving = this.#gate.serve(this.#listener).catch((error) =>
      this.router.listeners.report(error)
    );
    const peers = await this.#dial(MANAGER);
    await Promise.all(
      peers.filter((peer) => peer !== self && this.#layout.has(peer)).map((peer) =>
        // Not fatal: a peer that died since the manager saw it dials us
        // when it is restarted. But never silent.
        this.#dial(peer).catch((error) =>
          this.router.listeners.report(
            new SwitchboardError(`${describe(self)} could not connect to ${describe(peer)}`, {
              cause: error,
            }),
          )
        )
      ),
    );
  }

  /** Leaves the cluster. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /**
   * Stops as the manager asked: stop handlers, then the handlers still
   * answering requests, then the connections (queued messages are written),
   * then the process. The manager kills it if this takes too long.
   */
  async #stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    await this.router.listeners.stopping();
    await this.router.handlersSettled();
    await this.close();
    Deno.exit(0);
  }

  async #close(): Promise<void> {
    this.#listener?.close();
    await this.#serving;
    this.#gate.close();
    await this.router.close();
  }

  async #dial(address: Address): Promise<Address[]> {
    const connection = await this.#transport.connect(
      this.#layout.endpoint(address),
      this.#bootstrap.maxFrameSize,
    );
    const link = this.router.attach(connection, address);
    const welcome = Promise.withResolvers<Address[]>();
    this.#welcomes.set(link, welcome);
    connection.closed.then((reason) =>
      welcome.reject(
        new UnreachableError(`${describe(address)} closed the connection before welcoming us`, {
          cause: reason,
        }),
      )
    );
    this.router.sendControl(link, HELLO, {
      from: this.#bootstrap.self,
      token: this.#bootstrap.token,
    });
    // No timer of our own: a peer that never answers leaves us unready, and
    // the manager kills a child that is not ready within startTimeout.
    try {
      return await welcome.promise;
    } finally {
      this.#welcomes.delete(link);
    }
  }

  #refuse(from: Address): string | undefined {
    if (from === MANAGER) return "the manager never dials children";
    if (from === this.#bootstrap.self) return `${describe(from)} is this process`;
    if (!this.#layout.has(from)) return `${describe(from)} is not in this cluster`;
    return undefined;
  }

  #onControl(link: Link, message: WireMessage): void {
    if (link.address === undefined) return this.#gate.admit(link, message);
    const welcome = this.#welcomes.get(link);
    if (message.action === WELCOME && welcome) {
      const peers = readWelcome(message);
      if (peers) return welcome.resolve(peers);
    } else if (message.action === STOP && link.address === MANAGER) {
      this.#stop();
      return;
    } else if (message.action === EVENT && link.address === MANAGER) {
      this.router.listeners.lifecycle(message.data as LifecycleEvent);
      return;
    }
    this.router.drop(
      link,
      new FrameError(`Bad frame from ${link.name}: unexpected "${message.action}"`),
    );
  }

  /**
   * Tells the manager this child is ready (the router calls it once). Safe
   * as soon as the caller's listeners will be on before the next task: the
   * manager's answer arrives no earlier, and messages before it are held
   * until then.
   */
  #sendReady(): void {
    const manager = this.router.link(MANAGER);
    if (manager) this.router.sendControl(manager, READY);
    // Handshake timers from now on, once "$ready" is written: the first
    // timer costs a Deno process milliseconds.
    nextTask().then(() => this.#gate.startTiming());
  }

  #onLinkClosed(address: Address): void {
    // Without its manager a child has no cluster, and nobody would stop it.
    // Closing the listener first removes its socket file.
    if (address !== MANAGER || this.router.closing) return;
    // Stopping, or not: the manager is gone, so nobody waits for the rest.
    this.#listener?.close();
    Deno.exit(ORPHAN_EXIT_CODE);
  }
}
