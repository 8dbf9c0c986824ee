/**
 * A child's machinery behind `connect()`: listen at its own endpoint, join
 * through the manager, tell the manager when ready, dial other children on
 * first use, and exit when the manager stops the cluster or disappears.
 *
 * @module
 */

import { type Address, describe, MANAGER } from "./address.ts";
import { type Bootstrap, readGoAhead } from "./bootstrap.ts";
import type { WireMessage } from "./codec.ts";
import { FrameError, UnreachableError } from "./errors.ts";
import { Gate } from "./gate.ts";
import { EVENT, HANDSHAKE_FRAME_LIMIT, HELLO, READY, STOP, WELCOME } from "./handshake.ts";
import { Layout } from "./layout.ts";
import type { Link } from "./link.ts";
import { Router } from "./router.ts";
import type { Acceptor, DialedConnection } from "./transport.ts";
import type { LifecycleEvent } from "./types.ts";
import { UnixTransport } from "./unix_transport.ts";

/** Exit code of a child whose manager disappeared. */
const ORPHAN_EXIT_CODE = 1;

/** A connection this process dialed, until its `$welcome` arrives. */
interface Dialing {
  connection: DialedConnection;
  welcomed: PromiseWithResolvers<void>;
}

/** One child's end of its cluster. */
export class ChildSide {
  /** The child's router. */
  readonly router: Router;
  readonly #bootstrap: Bootstrap;
  readonly #layout: Layout;
  readonly #transport: UnixTransport;
  readonly #gate: Gate;
  readonly #dialing = new Map<Link, Dialing>();
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
      dial: (address) => this.#dialPeer(address),
    });
    this.#gate = new Gate(this.router, bootstrap.token, (from) => this.#refuse(from));
  }

  /**
   * Joins the cluster: listens at its own endpoint and, meanwhile, says
   * hello to the manager. Other children are dialed when first sent to.
   *
   * @throws {Error} When the manager cannot be reached or refuses.
   */
  async join(): Promise<void> {
    const listening = this.#transport.listen(
      this.#layout.endpoint(this.#bootstrap.self),
      HANDSHAKE_FRAME_LIMIT,
      (error) => this.router.listeners.report(error),
    );
    // No timer of our own: a manager that never answers leaves us unready,
    // and it kills a child that is not ready within startTimeout.
    const [listened, welcomed] = await Promise.allSettled([
      listening,
      this.#dial(MANAGER).welcomed.promise,
    ]);
    if (listened.status === "fulfilled") {
      this.#listener = listened.value;
      this.#serving = this.#gate.serve(this.#listener).catch((error) =>
        this.router.listeners.report(error)
      );
    }
    if (listened.status === "rejected") throw listened.reason;
    if (welcomed.status === "rejected") throw welcomed.reason;
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

  /**
   * Opens a link to `address` that says hello first; what is sent on it
   * waits for the `$welcome`.
   */
  #dial(address: Address): Dialing & { link: Link } {
    const { self, token, maxFrameSize } = this.#bootstrap;
    // Plain text: our own data, and no use of the codec's shared buffer,
    // which holds the payload of the send that led to this dial.
    const hello = JSON.stringify({ action: HELLO, data: { from: self, token } });
    const connection = this.#transport.dial(this.#layout.endpoint(address), maxFrameSize, hello);
    const link = this.router.attach(connection, address);
    const dialing = { connection, welcomed: Promise.withResolvers<void>() };
    this.#dialing.set(link, dialing);
    connection.closed.then((reason) => {
      if (!this.#dialing.delete(link)) return;
      dialing.welcomed.reject(
        new UnreachableError(`${describe(address)} closed the connection before welcoming us`, {
          cause: reason,
        }),
      );
    });
    return { ...dialing, link };
  }

  /**
   * Dials another child the first time something is sent to it; undefined
   * (nothing is sent) when it has no socket file: still starting, or dead
   * (the manager removes a dead child's file before it tells anyone).
   */
  #dialPeer(address: Address): Link | undefined {
    if (address === MANAGER || !this.#isListening(address)) return undefined;
    const { link, welcomed } = this.#dial(address);
    welcomed.promise.catch((error: UnreachableError) => {
      // Closed by us with nothing waiting to be written: nothing was lost.
      if (this.router.closing && error.cause === undefined) return;
      this.router.listeners.report(
        new UnreachableError(
          `${describe(this.#bootstrap.self)} could not connect to ${
            describe(address)
          }: what was sent to it is lost`,
          { cause: error },
        ),
      );
    });
    return link;
  }

  /** Whether `address` has its socket file. */
  #isListening(address: Address): boolean {
    try {
      Deno.lstatSync(this.#transport.path(this.#layout.endpoint(address)));
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  }

  #refuse(from: Address): string | undefined {
    if (from === MANAGER) return "the manager never dials children";
    if (from === this.#bootstrap.self) return `${describe(from)} is this process`;
    if (!this.#layout.has(from)) return `${describe(from)} is not in this cluster`;
    // Two links when both dialed at once; a third is no race.
    if (this.router.linkCount(from) >= 2) return `${describe(from)} is connected twice already`;
    return undefined;
  }

  #onControl(link: Link, message: WireMessage): void {
    if (link.address === undefined) return this.#gate.admit(link, message);
    const dialing = this.#dialing.get(link);
    if (message.action === WELCOME && dialing) {
      this.#dialing.delete(link);
      dialing.connection.admitted();
      dialing.welcomed.resolve();
      return;
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
   * Tells the manager this child is ready (the router calls it once) and
   * returns when the held messages may go: at the manager's go-ahead, in a
   * later task, after the caller's code that follows. Safe as soon as the
   * caller's listeners will be on by then: what the manager sends after
   * `$ready` arrives no earlier, and messages before it are held.
   */
  #sendReady(): Promise<void> {
    const released = readGoAhead();
    const manager = this.router.link(MANAGER);
    if (manager) this.router.sendControl(manager, READY);
    // Handshake timers from then on, once "$ready" is out: the first timer
    // costs a Deno process milliseconds.
    released.then(() => this.#gate.startTiming());
    return released;
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
