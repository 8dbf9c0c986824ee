/**
 * {@linkcode StopPhases}: how a child stops, as Switchboard's
 * `src/child.ts` does: the manager's two phases (`$stop`: the stop work,
 * then `$stopped`; `$exit`: close, then exit), a SIGTERM to it alone
 * (the manager is asked, `$term`, to stop it as for a reload; a second one
 * exits at once), and its manager gone (it exits, as nobody would stop it).
 *
 * @module
 */

import process from "node:process";
import { MANAGER } from "./address.mjs";
import { SwitchboardError } from "./errors.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/** Exit code of a child whose manager disappeared. */
const ORPHAN_EXIT_CODE = 1;
/** Exit code of a process ended by a second SIGTERM: 128 + 15, as the signal itself would. */
const SIGTERM_EXIT_CODE = 143;
/** How long a stop on its own may take, when the bootstrap does not say. */
const DEFAULT_STOP_TIMEOUT = 5_000;

/**
 * @typedef {object} StopPhasesOptions
 * @property {import("./bootstrap.mjs").Bootstrap} bootstrap
 * @property {import("./listeners.mjs").Listeners} listeners Its stop handlers, and where errors go.
 * @property {import("./dispatch.mjs").Dispatcher} dispatcher The handlers running.
 * @property {import("./endpoint.mjs").Endpoint} endpoint
 * @property {(to: Address, action: string) => boolean} sendControl
 * @property {() => "holding" | "releasing" | "ready" | "closing" | "closed"} state
 * @property {() => boolean} leaving Whether it stops alone: its peers were told `$leaving`.
 * @property {() => Promise<void>} letPeersGo Tells every peer connected
 * now `$leaving`, and waits for their `$left`.
 * @property {() => Promise<void>} close Closes the peer.
 */

/** A child's stop. */
export class StopPhases {
  #options;
  /** Whether it said `$stopped`: then `$exit` answers the requests taken since before it closes. */
  #saidStopped = false;
  /** @type {Promise<void> | undefined} */
  #stopWork;
  /** Whether a SIGTERM came. */
  #terminating = false;
  /** Who waits for every connection from a worker to close. */
  #workersGoneWaiters = [];
  /** @type {Promise<void> | undefined} */
  #ownStop;
  #onSigterm = () => this.#terminated();
  #onSigint = () => {};

  /** @param {StopPhasesOptions} options */
  constructor(options) {
    this.#options = options;
  }

  /** @returns {boolean} Whether its stop work began. */
  get working() {
    return this.#stopWork !== undefined;
  }

  /**
   * SIGTERM to this process alone: its stop work, then exit (the manager
   * restarts it). SIGINT is the manager's to answer, for every child in order.
   */
  listen() {
    process.on("SIGTERM", this.#onSigterm);
    process.on("SIGINT", this.#onSigint);
  }

  /** It closes: the signals are no longer its. */
  unlisten() {
    process.off("SIGTERM", this.#onSigterm);
    process.off("SIGINT", this.#onSigint);
  }

  /**
   * Its own code closed it (not a stop): it exits `stopTimeout` after the
   * close at the latest, with `process.exitCode`, to be restarted, as a
   * Deno child does. Else what else it runs (a server, a timer) kept it
   * alive outside the cluster, listed ready and never replaced. Unref'd: a
   * process with nothing left ends before.
   *
   * @param {Promise<void>} closing
   */
  exitAfter(closing) {
    const stopTimeout = this.#stopTimeout();
    void closing.then(() => setTimeout(() => process.exit(), stopTimeout).unref());
  }

  /**
   * Stop, first phase: the stop work, still receiving; then `$stopped`,
   * once what it sent is written.
   *
   * @param {boolean} alone Whether the cluster goes on.
   * @returns {Promise<void>}
   */
  async stop(alone) {
    await this.#doStopWork(alone);
    await this.#options.endpoint.flushed();
    this.#options.sendControl(MANAGER, "$stopped");
    this.#saidStopped = true;
  }

  /**
   * Closes, then exits: the second phase of a stop. The manager relays no
   * new request after `$exit`, so the requests taken since `$stopped` are
   * answered first (the manager kills a child that takes too long). Told
   * to exit before it said `$stopped`, the manager waited out
   * `stopTimeout` for its handlers already: it closes at once.
   *
   * @param {number} code
   * @returns {Promise<void>}
   */
  async exit(code) {
    const { leaving, letPeersGo, dispatcher, close } = this.#options;
    // Alone: once more for peers that came meanwhile; nothing happens between this and the close.
    if (leaving()) await letPeersGo();
    if (this.#saidStopped) await dispatcher.handlersSettled();
    await close();
    process.exit(code);
  }

  /** A connection closed: a stop work waiting for the workers' may go on. */
  workersMayBeGone() {
    if (this.#options.endpoint.connected().some((peer) => typeof peer === "number")) return;
    for (const resolve of this.#workersGoneWaiters.splice(0)) resolve();
  }

  /** The connection to the manager closed: without it a child has no cluster, and nobody would stop it. */
  orphaned() {
    const state = this.#options.state();
    if (state === "closing" || state === "closed") return;
    // SIGTERM'd (every child is, when the manager ends abruptly): its stop
    // work, as the signal asked, though nobody waits for it.
    if (this.#terminating) return this.#stopOnItsOwn();
    this.#options.endpoint.removeSocketFile();
    process.exit(ORPHAN_EXIT_CODE);
  }

  #stopTimeout() {
    return this.#options.bootstrap.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
  }

  /**
   * The stop work, once: the stop handlers together, then the handlers
   * still running. Alone (the cluster goes on), in between it refuses new
   * requests and lets its peers go (`$leaving`, `$left`).
   */
  #doStopWork(alone) {
    const { bootstrap, listeners, dispatcher, letPeersGo } = this.#options;
    this.#stopWork ??= (async () => {
      // A service, when the whole host stops: the manager stopped the
      // workers first; once each connection from one has closed, all each
      // sent in its own stop work is in.
      if (!alone && typeof bootstrap.self === "string") await this.#workersGone();
      await Promise.all([...listeners.stopHandlers].map(async (handler) => {
        try {
          await handler();
        } catch (error) {
          listeners.report(new SwitchboardError("A stop handler failed", { cause: error }));
        }
      }));
      if (alone) {
        // It takes no new request now: every handler ends in time.
        await letPeersGo();
        return await dispatcher.handlersSettled();
      }
      // The whole host stops, and the manager relays other hosts' requests
      // until `$exit`: waiting for those too, under a steady load it never
      // said `$stopped`, and was killed at `stopTimeout`. Those it takes
      // from now on it answers at `$exit`, before it closes.
      await dispatcher.runningSettled();
    })();
    return this.#stopWork;
  }

  /** Resolves once no connection to a worker is open (see `#doStopWork`). */
  #workersGone() {
    return new Promise((resolve) => {
      this.#workersGoneWaiters.push(resolve);
      this.workersMayBeGone();
    });
  }

  /**
   * SIGTERM: the manager is asked to stop this process alone (`$term`), and
   * does, as for a reload, within its `stopTimeout`, then restarts it. Under
   * systemd's default `KillMode=control-group`, which signals every process
   * at once, the manager first, it stops the whole cluster in order instead.
   * Not ready yet, or cut off from the manager, it stops on its own. A
   * second SIGTERM exits at once.
   */
  #terminated() {
    if (this.#terminating) {
      this.#options.endpoint.removeSocketFile();
      process.exit(SIGTERM_EXIT_CODE);
    }
    this.#terminating = true;
    // Asked to stop already (`$stop`): the manager drives that stop.
    if (this.#stopWork) return;
    if (this.#options.state() !== "ready" || !this.#options.sendControl(MANAGER, "$term")) {
      this.#stopOnItsOwn();
    }
  }

  /**
   * The stop nobody will ask for, then exit with the code SIGTERM gives (so
   * that a process not ready yet is not taken for one that never joined).
   * Each phase within the bootstrap's `stopTimeout`, as the manager bounds
   * them: a peer that never closes its end would hold the close, and
   * nobody is left to kill this process.
   */
  #stopOnItsOwn() {
    const { leaving, letPeersGo, close } = this.#options;
    this.#ownStop ??= (async () => {
      const stopTimeout = this.#stopTimeout();
      await within(this.#doStopWork(true), stopTimeout);
      if (leaving()) await within(letPeersGo(), stopTimeout);
      await within(close(), stopTimeout);
      process.exit(SIGTERM_EXIT_CODE);
    })();
  }
}

/**
 * Waits for `promise` to settle, at most `ms`.
 *
 * @param {Promise<unknown>} promise
 * @param {number} ms
 * @returns {Promise<void>}
 */
async function within(promise, ms) {
  let timer;
  const late = new Promise((resolve) => timer = setTimeout(resolve, ms));
  await Promise.race([promise.catch(() => {}), late]);
  clearTimeout(timer);
}
