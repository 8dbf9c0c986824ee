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
import {
  EVENT,
  EXIT,
  MEMBERS,
  PING,
  PONG,
  READY,
  RUNNING,
  STOP,
  STOPPED,
  SYNC,
  SYNCED,
  TERM,
} from "./control.ts";
import { deadline } from "./deadline.ts";
import { FrameError } from "./errors.ts";
import { Layout } from "./layout.ts";
import { ManagerSync } from "./manager_sync.ts";
import { Router } from "./router.ts";
import type { Schemas } from "./schema.ts";
import { signalExitCode } from "./signals.ts";
import type { Endpoint } from "./transport.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";

/** Exit code of a child whose manager disappeared. */
const ORPHAN_EXIT_CODE = 1;

/** How long a child stopping on its own may take, when its bootstrap does not say. */
const DEFAULT_STOP_TIMEOUT = 5_000;

/** One child's end of its cluster. */
export class ChildSide {
  /** The child's router. */
  readonly router: Router;
  #closing: Promise<void> | undefined;
  /** Round trips to the manager, for a request that found a sibling gone. */
  readonly #sync = new ManagerSync((data) => this.router.sendControl(MANAGER, SYNC, data));
  #stopWork: Promise<void> | undefined;
  /** Whether it said `$stopped`: its stop work, and the handlers running then, are done. */
  #saidStopped = false;
  /**
   * SIGTERM to a child alone stops it: the manager is asked to, and does,
   * as for a reload (see `#terminated`). SIGINT it ignores: Ctrl-C is the
   * manager's to answer, which stops every child in order (a terminal's
   * Ctrl-C does not even reach a child, which runs in a session of its own).
   */
  readonly #onSignal = new Map<Deno.Signal, () => void>([
    ["SIGTERM", () => this.#terminated()],
    ["SIGINT", () => {}],
  ]);
  /** Whether a SIGTERM came. */
  #terminating = false;
  #ownStop: Promise<void> | undefined;
  /** How long the stop work may take when this child stops on its own, in ms. */
  readonly #stopTimeout: number;
  /** Whether this child is a service, which stops after the workers. */
  readonly #isService: boolean;

  /**
   * Whether this process's own code failed: an uncaught error or rejection,
   * which ends a Deno process. A child whose code threw right after
   * `connect()` must not tell the manager it runs while it dies.
   */
  #crashed = false;

  /**
   * @param bootstrap What the manager told the child.
   * @param endpoint The child's endpoint, joined to the manager.
   * @param schemas Its actions' schemas, if it checks data at run time.
   */
  constructor(bootstrap: Bootstrap, endpoint: Endpoint, schemas?: Schemas) {
    this.#stopTimeout = bootstrap.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
    this.#isService = !isWorker(bootstrap.self);
    for (const type of ["error", "unhandledrejection"]) {
      globalThis.addEventListener(type, (event) => {
        if (!event.defaultPrevented) this.#crashed = true;
      });
    }
    this.router = new Router({
      endpoint,
      layout: new Layout(
        bootstrap.workers,
        bootstrap.services,
        bootstrap.managers,
        bootstrap.manager,
      ),
      maxFrameSize: bootstrap.maxFrameSize,
      requestTimeout: bootstrap.requestTimeout,
      highWaterMark: bootstrap.highWaterMark,
      maxQueuedBytes: bootstrap.maxQueuedBytes,
      schemas,
      control: {
        [STOP]: { from: MANAGER, run: (data) => this.#stop(isAlone(data)) },
        [EXIT]: { from: MANAGER, run: () => this.#exit() },
        [MEMBERS]: { from: MANAGER, run: (data) => this.#members(data) },
        [EVENT]: {
          from: MANAGER,
          run: (event) => this.router.lifecycle(event as LifecycleEvent),
        },
        [SYNCED]: { from: MANAGER, run: (data) => this.#sync.synced(data) },
        // The watchdog: answered here, by this event loop, so that a loop
        // that is blocked cannot answer, and is found out. Not bounded as
        // an answer to a peer is: the manager sends its next `$ping` only
        // once this one's `$pong` came, so at most one is ever queued.
        [PING]: { from: MANAGER, run: (data) => this.router.sendControl(MANAGER, PONG, data) },
      },
      onGone: (peer) => this.#onGone(peer),
      syncWithManager: (about) => this.#sync.sync(about),
      onReady: () => this.#sendReady(),
    });
    this.router.startsWhileReplacing(bootstrap.replacing ?? []);
    this.router.startsWithSiblings(bootstrap.starting ?? []);
    // Once the start is over, a sibling that cannot be reached crashed or
    // is being replaced, and is held for as starting no more (else one this
    // process never sent to would be, for life). One question for all.
    if (bootstrap.starting?.length) this.#sync.whenStarted(() => this.router.siblingsStarted());
    for (const [signal, listener] of this.#onSignal) Deno.addSignalListener(signal, listener);
  }

  /** Leaves the cluster. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /**
   * Its own code closes it (`peer.close()`) while the cluster runs: it
   * will exit, to be restarted. Peers are told first, as when it stops
   * alone (`$leaving`, ahead of the close on each connection), so that
   * their requests wait for its next process rather than fail as not
   * connected between its close and its exit. It closes at once all the
   * same, not waiting for their `$left`: the close was asked for now. Then
   * it exits by `stopTimeout` at the latest, whatever else it runs, with
   * `Deno.exitCode` (0 unless its code set another), as it would have.
   */
  leave(): Promise<void> {
    const running = this.#stopWork === undefined && this.router.state === "ready";
    if (running && !this.#closing) this.router.refuseIncomingRequests();
    const closing = this.close();
    // It leaves to exit: else what else it runs (an HTTP server, a timer)
    // kept it alive, serving outside the cluster, listed ready, and never
    // replaced. In a stop the manager's `$exit` ends it instead. What its
    // code does after the close (saving its state, say) has `stopTimeout`,
    // as a stop's phases do; a process with nothing left ends before.
    if (this.#stopWork === undefined) {
      void closing.then(() => Deno.unrefTimer(setTimeout(() => Deno.exit(), this.#stopTimeout)));
    }
    return closing;
  }

  async #close(): Promise<void> {
    for (const [signal, listener] of this.#onSignal) Deno.removeSignalListener(signal, listener);
    this.#sync.endAll();
    await this.router.close();
  }

  /**
   * The stop work, once: the stop handlers, then the handlers still
   * answering requests as they end. Messages keep arriving meanwhile.
   *
   * @param alone Whether the cluster goes on without it (a reload, a
   * SIGTERM to this child): then, once its stop handlers are done, it
   * refuses new requests, so that they go to another worker rather than
   * keep it from settling, or be cut short by its exit.
   */
  #doStopWork(alone: boolean): Promise<void> {
    // The whole cluster stops: what a request waits for will not come. Also
    // when this child was stopping alone already (reloaded, or SIGTERM'd),
    // so that its stop work, waiting on such a request, ends.
    if (!alone) this.router.endReplacements();
    this.#stopWork ??= (async () => {
      // A service, when the whole host stops: the manager stopped the
      // workers first; once each connection from one has closed, all each
      // sent in its own stop work (its last state, to be saved here) is in.
      if (!alone && this.#isService) await this.router.connectionsClosed(isWorker);
      await this.router.listeners.stopping();
      if (alone) {
        // It takes no new request now: every handler ends in time.
        await this.#letPeersGo();
        await this.router.handlersSettled();
        return;
      }
      // With the whole host stopping, other hosts' requests keep coming
      // (the manager relays them until it says `$exit`): waiting for every
      // handler, those they start too, a worker under a steady load never
      // said `$stopped`, and `stopTimeout` later its `$exit` cut short the
      // streams it was answering (some 45 of 2,100 in a run). So only those
      // running now; the ones it takes later it answers before it exits.
      await this.router.runningHandlersSettled();
    })();
    return this.#stopWork;
  }

  /**
   * Stopping alone: refuses new requests, tells every peer connected now
   * (`$leaving`), and waits for their `$left`, at most the request
   * timeout: one alive but not reading (stopped, say) must not keep this
   * process from exiting. Again right before it closes, for peers that
   * connected meanwhile: nothing happens between that and the close, so
   * every request that reaches it is answered or refused.
   */
  #letPeersGo(): Promise<void> {
    const { router } = this;
    router.refuseIncomingRequests();
    return deadline(router.peersLeft(), router.requestTimeout, () => new Error("no $left"))
      .catch(() => {});
  }

  /**
   * The first phase of a stop the manager asked for: the stop work, then
   * `$stopped` once what it sent is written. The manager says `$exit` once every child stopping with
   * this one has done its own, so that what they send each other meanwhile
   * is still received; it kills a child that takes too long.
   */
  async #stop(alone: boolean): Promise<void> {
    await this.#doStopWork(alone);
    // What it sent is on its way (a connection it was opening is open), so
    // the others, still reading until they exit, get it.
    await this.router.flushed();
    this.router.sendControl(MANAGER, STOPPED);
    this.#saidStopped = true;
  }

  /**
   * The second phase: close (queued messages are written), then exit. The
   * manager relays no new message or request after `$exit`, so a request
   * taken since `$stopped` is answered first (the manager kills a child
   * that takes too long). Told to exit before it said `$stopped`, the
   * manager waited out `stopTimeout` for its handlers already: it closes
   * at once.
   */
  async #exit(): Promise<void> {
    if (this.router.refusing) await this.#letPeersGo();
    if (this.#saidStopped) await this.router.handlersSettled();
    await this.close();
    Deno.exit(0);
  }

  /**
   * SIGTERM: the manager is asked to stop this child alone (`$term`), and
   * does as for a reload, within its `stopTimeout`, then restarts it.
   * Stopping on its own instead, it had no bound (a stuck `onStop` kept it
   * refusing requests for ever) and, under systemd's default
   * `KillMode=control-group`, which signals every process of the service
   * at once, the services stopped before the workers' `onStop` handlers
   * could reach them: the manager, signalled too, stops the whole cluster
   * in order, and ignores `$term`. A second SIGTERM exits at once.
   */
  #terminated(): void {
    if (this.#terminating) {
      this.close();
      Deno.exit(signalExitCode("SIGTERM"));
    }
    this.#terminating = true;
    // Asked to stop already (`$stop`): the manager drives that stop.
    if (this.#stopWork) return;
    // Not ready yet (the manager restarts no child that never was), or
    // cut off from the manager: it stops on its own.
    if (this.router.state !== "ready" || !this.router.sendControl(MANAGER, TERM)) {
      void this.#stopOnItsOwn();
    }
  }

  /**
   * The stop nobody will ask for, then exit with the code SIGTERM gives
   * (so that a child not ready yet is not taken for code that never called
   * `connect()`): after a SIGTERM with no manager to drive the stop (not
   * ready yet; the manager ended abruptly, and signalled every child so
   * that each may do its stop work). Each phase within `stopTimeout`, as
   * the manager bounds them: a peer that never closes its end would hold
   * the close, and nobody is left to kill this process.
   */
  #stopOnItsOwn(): Promise<void> {
    this.#ownStop ??= (async () => {
      const late = () => new Error("stopTimeout passed");
      await deadline(this.#doStopWork(true), this.#stopTimeout, late).catch(() => {});
      await deadline(this.close(), this.#stopTimeout, late).catch(() => {});
      Deno.exit(signalExitCode("SIGTERM"));
    })();
    return this.#ownStop;
  }

  /**
   * Tells the manager this child is ready (the router calls it once) and
   * returns when the held messages may go: at the manager's go-ahead, in a
   * later task, after the caller's code that follows. Safe as soon as the
   * caller's listeners will be on by then: what the manager sends after
   * `$ready` arrives no earlier, and messages before it are held.
   */
  #sendReady(): Promise<void> {
    const released = readGoAhead().then(() => {
      if (!this.#crashed) this.router.sendControl(MANAGER, RUNNING);
    });
    this.router.sendControl(MANAGER, READY);
    return released;
  }

  /** Hosts joined or left: the cluster's processes now. */
  #members(data: unknown): void {
    const layout = Layout.from(data);
    if (!layout) {
      throw new FrameError(`Bad frame from the manager: "${MEMBERS}" is not a layout`, {
        action: MEMBERS,
        peer: MANAGER,
      });
    }
    this.router.layout = layout;
  }

  #onGone(peer: Address): void {
    // Without its manager a child has no cluster, and nobody would stop it.
    if (peer !== MANAGER || this.router.state === "closing" || this.router.state === "closed") {
      return;
    }
    // SIGTERM'd (every child is, when the manager ends abruptly): its stop
    // work, as the signal asked, though nobody waits for it.
    if (this.#terminating) {
      void this.#stopOnItsOwn();
      return;
    }
    // Stopping, or not: the manager is gone, so nobody waits for the rest.
    // Closing starts at once, with what makes this process reachable.
    this.close();
    Deno.exit(ORPHAN_EXIT_CODE);
  }
}

function isWorker(address: Address): boolean {
  return typeof address === "number";
}

/** Whether `$stop`'s data says this child stops alone (`{alone: true}`: a reload). */
function isAlone(data: unknown): boolean {
  return (data as { alone?: unknown } | null)?.alone === true;
}
