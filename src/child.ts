/**
 * A child's machinery behind `connect()`: its router on the endpoint the
 * transport opened (which joined the manager), the control frames the
 * manager sends it, telling the manager when it is ready, and exiting when
 * the manager stops the cluster or disappears.
 *
 * @module
 */

import { type Address, MANAGER } from "./address.ts";
import { type Bootstrap, readGoAhead } from "./bootstrap.ts";
import { EVENT, READY, STOP } from "./control.ts";
import { Layout } from "./layout.ts";
import { Router } from "./router.ts";
import type { Endpoint } from "./transport.ts";
import type { LifecycleEvent } from "./types.ts";

/** Exit code of a child whose manager disappeared. */
const ORPHAN_EXIT_CODE = 1;

/** One child's end of its cluster. */
export class ChildSide {
  /** The child's router. */
  readonly router: Router;
  #closing: Promise<void> | undefined;
  #stopping = false;

  /**
   * @param bootstrap What the manager told the child.
   * @param endpoint The child's endpoint, joined to the manager.
   */
  constructor(bootstrap: Bootstrap, endpoint: Endpoint) {
    this.router = new Router({
      endpoint,
      layout: new Layout(bootstrap.workers, bootstrap.services),
      maxFrameSize: bootstrap.maxFrameSize,
      requestTimeout: bootstrap.requestTimeout,
      highWaterMark: bootstrap.highWaterMark,
      maxQueuedBytes: bootstrap.maxQueuedBytes,
      control: {
        [STOP]: { from: MANAGER, run: () => this.#stop() },
        [EVENT]: {
          from: MANAGER,
          run: (event) => this.router.listeners.lifecycle(event as LifecycleEvent),
        },
      },
      onGone: (peer) => this.#onGone(peer),
      onReady: () => this.#sendReady(),
    });
  }

  /** Leaves the cluster. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.router.close();
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

  /**
   * Tells the manager this child is ready (the router calls it once) and
   * returns when the held messages may go: at the manager's go-ahead, in a
   * later task, after the caller's code that follows. Safe as soon as the
   * caller's listeners will be on by then: what the manager sends after
   * `$ready` arrives no earlier, and messages before it are held.
   */
  #sendReady(): Promise<void> {
    const released = readGoAhead();
    this.router.sendControl(MANAGER, READY);
    return released;
  }

  #onGone(peer: Address): void {
    // Without its manager a child has no cluster, and nobody would stop it.
    if (peer !== MANAGER || this.router.state === "closed") return;
    // Stopping, or not: the manager is gone, so nobody waits for the rest.
    // Closing starts at once, with what makes this process reachable.
    this.close();
    Deno.exit(ORPHAN_EXIT_CODE);
  }
}
