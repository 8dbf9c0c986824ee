/**
 * A Switchboard peer in Node.js, with no dependencies: the reference for a
 * service process in another language, written from README "Protocol". A
 * manager starts it with `processes: { name: { command: ["node",
 * "service.mjs"] } }`; it reads its bootstrap from stdin, listens at its
 * socket, joins the manager, and then messages and requests every other
 * process, and answers them, as a Deno peer does.
 *
 * ```js
 * import { connect, MANAGER } from "./peers/node/switchboard_peer.mjs";
 *
 * const peer = await connect();
 * peer.handle("echoRequest", (data) => ({ echo: data }));
 * peer.on("log", (data, msg) => console.log(msg.from, data));
 * peer.onStop(() => peer.sendMessage("bye", {}, MANAGER));
 * peer.ready(); // the manager's start() waits for this; held messages follow
 * ```
 *
 * In a cluster that spans hosts it reaches the processes of other hosts,
 * and they reach it, through its manager (`other_hosts.mjs`, the relay
 * frames). Not here: streamed answers (a request that asks for a stream
 * gets one final answer, which the protocol allows), and backpressure
 * limits (`highWaterMark`, `maxQueuedBytes`: Node's socket buffers grow).
 *
 * @module
 */

import crypto from "node:crypto";
import process from "node:process";
import { describe, isManager, MANAGER } from "./address.mjs";
import { readBootstrap } from "./bootstrap.mjs";
import {
  cutShort,
  decodeMessage,
  encodeMessage,
  SHORT_MESSAGE,
  SHORTEST_MESSAGE,
  toWireError,
} from "./codec.mjs";
import { Endpoint } from "./endpoint.mjs";
import { fateOf } from "./fate.mjs";
import { LeftHosts } from "./left_hosts.mjs";
import { ManagerSync } from "./manager_sync.mjs";
import { NextProcessHolds } from "./next_process_holds.mjs";
import { StartingSiblings } from "./starting_siblings.mjs";
import {
  ClosedError,
  FrameError,
  NoHandlerError,
  RemoteError,
  SwitchboardError,
  TimeoutError,
  UnreachableError,
} from "./errors.mjs";

export {
  ClosedError,
  FrameError,
  MANAGER,
  NoHandlerError,
  RemoteError,
  SwitchboardError,
  TimeoutError,
  UnreachableError,
};

/** @typedef {import("./address.mjs").Address} Address */

/** Exit code of a child whose manager disappeared. */
const ORPHAN_EXIT_CODE = 1;
/** The options `request()` takes. */
const REQUEST_OPTIONS = ["to", "timeout", "signal"];

/** Exit code of a process ended by a second SIGTERM: 128 + 15, as the signal itself would. */
const SIGTERM_EXIT_CODE = 143;
/** How long a stop on its own may take, when the bootstrap does not say. */
const DEFAULT_STOP_TIMEOUT = 5_000;

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
/** The longest delay setTimeout takes (some 24 days); Node fires a longer one after 1 ms. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * The response action of a request action: `fooRequest` → `fooResponse`,
 * `bar` → `barResponse`.
 *
 * @param {string} action
 * @returns {string}
 */
export function responseAction(action) {
  return `${action.endsWith("Request") ? action.slice(0, -"Request".length) : action}Response`;
}

/**
 * Joins the cluster that started this process: reads the bootstrap, listens
 * at its socket and joins the manager. Register listeners, then call
 * `peer.ready()`.
 *
 * @returns {Promise<Peer>}
 * @throws {SwitchboardError} When the process was not started by a
 * cluster, or cannot listen or reach the manager.
 */
export async function connect() {
  const { bootstrap, goAhead } = await readBootstrap();
  const peer = new Peer(bootstrap, goAhead);
  await peer.join();
  return peer;
}

/**
 * A message's signal as the peer reads it, without counting as read: set
 * by {@linkcode Message}'s static block, as its fields are private.
 *
 * @type {(msg: Message) => AbortSignal}
 */
let signalOf;
/**
 * Whether the message's handler read its signal: one that saw it abort at
 * the request's timeout does not answer (a Deno handler's likewise arms its
 * deadline only once it reads it). An answer that does not heed it, late,
 * still goes, to the response action's listeners (tests/request_test.ts).
 *
 * @type {(msg: Message) => boolean}
 */
let signalWasRead;

/** A message as listeners get it. */
export class Message {
  static {
    signalOf = (msg) => msg.#signal;
    signalWasRead = (msg) => msg.#signalRead;
  }

  /**
   * @param {Address} from
   * @param {{ action: string, data?: unknown, messageId?: string, re?: true }} wire
   * @param {AbortSignal} signal
   * @param {(message: Message, wire: object) => boolean} replier
   */
  constructor(from, wire, signal, replier) {
    /** The action. */
    this.action = wire.action;
    /** The data. */
    this.data = wire.data;
    /** The sender, as its connection's handshake proved. */
    this.from = from;
    /** The request's id, on a request or a response. */
    this.messageId = wire.messageId;
    /** Whether the sender waits for an answer. */
    this.isRequest = wire.messageId !== undefined && wire.re !== true;
    this.#signal = signal;
    this.#replier = replier;
  }

  #replier;
  #signal;
  #signalRead = false;

  /** Aborts when the requester gives up: `$cancel`, its timeout, or it is gone. */
  get signal() {
    this.#signalRead = true;
    return this.#signal;
  }

  /**
   * Answers the sender; to a request, with its messageId and `re: true`.
   *
   * @param {string} action
   * @param {unknown} data
   * @returns {boolean} Whether it could be handed to the connection.
   */
  reply(action, data) {
    assertUserAction(action);
    return this.#replier(this, { action, data });
  }
}

/** This process's end of the cluster. */
export class Peer {
  #bootstrap;
  #goAhead;
  /** The cluster's processes: `{workers, services, managers}`; `$members` changes it. */
  #layout;
  /** The processes of hosts that left, until back. */
  #leftWithHost = new LeftHosts();
  /** @type {Endpoint} This process's sockets. */
  #endpoint;
  /** @type {Map<string, Function>} */
  #handlers = new Map();
  /** @type {Map<string, Set<Function>>} */
  #listeners = new Map();
  #any = new Set();
  #stopHandlers = new Set();
  #lifecycle = new Set();
  #errors = new Set();
  /**
   * Open requests; `waiting` while refused by a worker stopping alone, to
   * be sent again (`payload`) to its next process once that is ready
   * (`readyHeard`) and, for one connected to directly, once every link to
   * the old process closed (`refusedOn`: how many times they all had then);
   * `syncing` (waiting too) while its manager is asked about a sibling
   * that did not listen as it was made.
   *
   * @type {Map<string, { action: string, target: Address, resolve: Function, reject: Function, timer: any, dataId?: string, payload: Uint8Array, waiting: boolean, place: number, signal?: AbortSignal, onAbort: () => void, refusedOn?: number, readyHeard?: boolean, syncing?: boolean, unwelcomed?: boolean }>}
   */
  #pending = new Map();
  /** @type {Map<string, string[]>} Open requests by the messageId their data carried, in the order opened. */
  #byDataId = new Map();
  /** @type {Map<string, { controller: AbortController, timer: any }>} Requests being answered, by sender and id. */
  #incoming = new Map();
  /** @type {WeakSet<Message>} Requests answered: a listener that fails after is reported, not sent. */
  #answered = new WeakSet();
  /** @type {Map<Address, number>} How many times each peer's connection closed (or it was gone). */
  #gones = new Map();
  /** Whether the cluster stops: no request waits for a next process any more. */
  #waitsEnded = false;
  /**
   * Siblings that said `$leaving` (stopping alone, to be replaced), until
   * their next process is ready or none will come: a request to one waits
   * for that next process from the start, as one it refused would, since on
   * the old connection it could reach the old process as it closes, or
   * find it gone.
   *
   * @type {Set<Address>}
   */
  #leavers = new Set();
  /**
   * Siblings the manager said are being replaced (a reload, a clean exit to
   * be restarted), until their next process is ready or none will come: a
   * request to one that has no process listening waits for that next
   * process, as a Deno child's does, though it never talked to it.
   *
   * @type {Set<Address>}
   */
  #replacing = new Set();
  /** @type {Set<Address>} Siblings restarted and not ready yet: a clean exit of one is a failed start, no replacement. */
  #unready = new Set();
  /**
   * Siblings heard to have exited not to be replaced (a crash, or not
   * restarted) until a process of them is ready again: a request to one
   * that does not listen fails at once, without asking the manager.
   *
   * @type {Set<Address>}
   */
  #down = new Set();
  /**
   * Siblings its bootstrap said are being replaced, until each is ready: the
   * events about them its manager tells it at its `$ready` may come once it
   * is connected to their next process.
   *
   * @type {Set<Address>}
   */
  #toldReplacing = new Set();
  /** @type {"holding" | "releasing" | "ready" | "closing" | "closed"} */
  #state = "holding";
  /**
   * Messages that came before the go-ahead: who sent each, how many of its
   * sender's connections had closed then, when, and whether a `$cancel`
   * came for it meanwhile.
   *
   * @type {[Address, object, number, number, boolean?][]}
   */
  #held = [];
  #idPrefix = `${crypto.randomBytes(6).toString("base64url")}.`;
  #nextId = 0;
  /** @type {Set<Promise<void>>} The handlers running, each settled once it answered (or failed). */
  #running = new Set();
  /** Whether it said `$stopped`: then `$exit` answers the requests taken since before it closes. */
  #saidStopped = false;
  /** @type {Promise<void> | undefined} */
  #stopWork;
  /** @type {Promise<void> | undefined} */
  #closing;
  /**
   * Stopping alone (a reload, a SIGTERM to it): the peers told `$leaving`,
   * and those whose `$left` it still waits for; undefined until then.
   * @type {{ told: Set<Address>, waiting: Set<Address>, settled: Function[] } | undefined}
   */
  #leaving;
  #onSigterm = () => this.#terminated();
  /** Whether a SIGTERM came. */
  #terminating = false;
  /** Who waits for every connection from a worker to close. */
  #workersGoneWaiters = [];
  /** @type {Promise<void> | undefined} */
  #ownStop;
  #onSigint = () => {};
  /** Round trips to the manager (`$sync`), for a sibling this process could not reach. */
  #sync = new ManagerSync((data) => this.#sendControl(MANAGER, "$sync", data));
  /** @type {StartingSiblings} Messages held for siblings starting with the cluster. */
  #siblings;
  /** Messages held for siblings' next processes. */
  #nextHolds = new NextProcessHolds({
    send: (sibling, payload) => this.#send(sibling, payload),
    report: (error) => this.#report(error),
  });
  /**
   * For each sibling messages wait for: how many times its links had
   * closed when the wait began, if one was open (they go once that link
   * closed too), and whether its next process is ready.
   *
   * `asking` while the manager is asked about one whose dial closed unwelcomed.
   *
   * @type {Map<Address, { gonesAt: number | undefined, ready: boolean, asking?: boolean }>}
   */
  #forNext = new Map();

  /**
   * Not for use: peers come from {@linkcode connect}.
   *
   * @param {import("./bootstrap.mjs").Bootstrap} bootstrap
   * @param {Promise<void>} goAhead
   */
  constructor(bootstrap, goAhead) {
    this.#bootstrap = bootstrap;
    this.#goAhead = goAhead;
    // Being replaced as this process was spawned: it could not have heard so.
    if (Array.isArray(bootstrap.replacing)) {
      for (const address of bootstrap.replacing) {
        this.#replacing.add(address);
        this.#toldReplacing.add(address);
      }
    }
    this.#layout = {
      workers: bootstrap.workers,
      services: bootstrap.services,
      managers: bootstrap.managers,
    };
    this.#siblings = new StartingSiblings(
      Array.isArray(bootstrap.starting) ? bootstrap.starting : [],
      {
        ask: (sibling, answered) => this.#sync.ask({ for: sibling }, answered),
        reachable: (sibling) => this.#endpoint.reachable(sibling),
        send: (sibling, payload) => this.#send(sibling, payload),
        report: (error) => this.#report(error),
      },
    );
    this.#endpoint = new Endpoint(bootstrap, {
      receive: (from, message) => this.#receive(from, message),
      gone: (address, reason, last) => this.#gone(address, reason, last),
      unsent: (address, payloads, cause) => this.#unsent(address, payloads, cause),
      orphaned: () => this.#orphaned(),
      report: (error) => this.#report(error),
    });
  }

  /** @returns {Address} This process's address: its service name, or worker id. */
  get id() {
    return this.#bootstrap.self;
  }

  /** @returns {number[]} The cluster's worker ids. */
  get workers() {
    return this.#layout.workers;
  }

  /** @returns {string[]} The cluster's service names. */
  get services() {
    return this.#layout.services;
  }

  /**
   * Listens at this process's socket and joins the manager (`$hello`, then
   * its `$welcome`), both at once. Called by {@linkcode connect}.
   *
   * @returns {Promise<void>}
   */
  async join() {
    await this.#endpoint.open();
    // Once the start is over, a sibling that cannot be reached crashed or is
    // being replaced, and is held for as starting no more. One question for all.
    if (Array.isArray(this.#bootstrap.starting) && this.#bootstrap.starting.length > 0) {
      this.#sync.ask({ started: true }, () => this.#siblings.allStarted(), () => {});
    }
    // SIGTERM to this process alone: its stop work, then exit (the manager
    // restarts it). SIGINT is the manager's to answer, for every child in order.
    process.on("SIGTERM", this.#onSigterm);
    process.on("SIGINT", this.#onSigint);
  }

  /**
   * Tells the manager this process is ready (`$ready`); once its go-ahead
   * comes on stdin, says `$running` and dispatches the messages held so far.
   */
  ready() {
    if (this.#state !== "holding") return;
    this.#state = "releasing";
    this.#sendControl(MANAGER, "$ready");
    this.#goAhead.then(() => {
      if (this.#state === "releasing") this.#state = "ready";
      if (this.#state === "closed") return;
      this.#sendControl(MANAGER, "$running");
      for (const held of this.#held.splice(0)) this.#dispatch(...held);
    });
  }

  /**
   * Listens for an action; returns the remover.
   *
   * @param {string} action
   * @param {(data: unknown, msg: Message) => void} listener
   * @returns {() => void}
   */
  on(action, listener) {
    assertUserAction(action);
    const set = this.#listeners.get(action) ?? new Set();
    this.#listeners.set(action, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Answers requests for an action with what `handler` returns (or
   * resolves to); what it throws goes back as the error. One per action.
   *
   * @param {string} action
   * @param {(data: any, msg: Message) => unknown} handler
   * @returns {() => void}
   */
  handle(action, handler) {
    assertUserAction(action);
    if (this.#handlers.has(action)) throw new TypeError(`"${action}" has a handler already`);
    this.#handlers.set(action, handler);
    return () => this.#handlers.delete(action);
  }

  /**
   * Listens for every message; returns the remover.
   *
   * @param {(msg: Message) => void} listener
   */
  onAny(listener) {
    return addTo(this.#any, listener);
  }

  /**
   * Work to finish when the cluster stops, before this process exits.
   *
   * @param {() => unknown} handler
   */
  onStop(handler) {
    return addTo(this.#stopHandlers, handler);
  }

  /**
   * Children exiting, restarting, ready again, given up (`$event` data).
   *
   * @param {(event: { type: string, address: Address }) => void} listener
   */
  onLifecycle(listener) {
    return addTo(this.#lifecycle, listener);
  }

  /**
   * Errors no caller can be given: a bad frame, a listener that threw.
   *
   * @param {(error: Error) => void} listener
   */
  onError(listener) {
    return addTo(this.#errors, listener);
  }

  /**
   * Sends a message.
   *
   * @param {string} action
   * @param {unknown} data
   * @param {Address | Address[]} [to] Default: every worker.
   * @returns {number} To how many processes it was handed.
   * @throws {FrameError} When the data cannot travel or is too large for
   * one of them; then it is sent to none.
   */
  sendMessage(action, data, to) {
    assertUserAction(action);
    const targets = to === undefined ? this.workers : Array.isArray(to) ? [...new Set(to)] : [to];
    const payload = this.#encode({ action, data }, to, targets);
    // To a sibling starting with the cluster that does not listen yet, or
    // being replaced: held until it listens, or its next process is ready.
    return targets.filter((target) =>
      this.#siblings.hold(target, payload, action) ||
      this.#holdForNext(target, payload, action) || this.#send(target, payload)
    ).length;
  }

  /**
   * Holds a message to a sibling being replaced for its next process: once
   * the old process said it is leaving (what came after would reach it as
   * it closes, when it can answer nothing), or while none listens, or
   * behind others held so.
   *
   * @returns {boolean} Whether it is held.
   */
  #holdForNext(target, payload, action) {
    if (this.#waitsEnded || this.#state === "closing" || this.#state === "closed") return false;
    const waits = this.#nextHolds.holds(target) || this.#leavers.has(target) ||
      (this.#replacing.has(target) && this.#endpoint.isSibling(target) &&
        !this.#endpoint.reachable(target));
    if (!waits) return false;
    if (!this.#forNext.has(target)) {
      const gonesAt = this.#endpoint.linked(target) ? this.#gones.get(target) ?? 0 : undefined;
      this.#forNext.set(target, { gonesAt, ready: false });
    }
    this.#nextHolds.hold(target, payload, action);
    return true;
  }

  /** Whether what was sent to `address` may wait for its next process: a sibling not heard to be down. */
  #mayWaitForNext(address) {
    return this.#endpoint.isSibling(address) && !this.#down.has(address) && !this.#waitsEnded &&
      this.#state !== "closing" && this.#state !== "closed";
  }

  /**
   * What was sent on a dial to `address` that closed before its `$welcome`:
   * none of it was written (the old process of a sibling being reloaded
   * closed as it was dialed, say). Its requests wait or fail on their own
   * (see `#gone`), and one given up meanwhile is not sent; its messages
   * (not control frames or answers, which were for the old process) wait,
   * ahead of any sent since, while the manager is asked about it, as a
   * Deno child's do.
   */
  #unsent(address, payloads, cause) {
    const messages = [];
    for (const payload of payloads) {
      let message;
      try {
        message = decodeMessage(payload, describe(this.id), this.id);
      } catch {
        continue;
      }
      // A request, open or not: one still open waits or fails on its own,
      // and one given up meanwhile (timed out, aborted) must not run.
      if (message.action.startsWith("$") || message.messageId !== undefined) continue;
      messages.push({ payload, action: message.action });
    }
    if (messages.length === 0) return;
    if (!this.#mayWaitForNext(address)) {
      const what = messages.length === 1
        ? "the message sent to it was"
        : `the ${messages.length} messages sent to it were`;
      return this.#report(
        new UnreachableError(
          `${describe(this.id)} could not connect to ${describe(address)}: ${what} not delivered`,
          { cause, peer: address },
        ),
      );
    }
    this.#nextHolds.holdFirst(address, messages);
    const next = this.#forNext.get(address) ?? { gonesAt: undefined, ready: false };
    next.asking = true;
    this.#forNext.set(address, next);
    this.#sync.ask({ for: address }, () => this.#unsentSynced(address));
  }

  /**
   * The manager answered about a sibling whose dial closed unwelcomed:
   * being replaced, what was held waits for its new process; else it goes
   * now if that process was ready meanwhile or is linked to this one, or
   * is reported lost, and the requests waiting behind it go, or fail.
   */
  #unsentSynced(address) {
    const next = this.#forNext.get(address);
    if (!next?.asking) return;
    next.asking = false;
    if (this.#replacing.has(address) && !this.#waitsEnded) return;
    if (next.ready || this.#endpoint.linked(address)) {
      next.ready = true;
      this.#releaseNext(address);
    } else {
      this.#forNext.delete(address);
      this.#nextHolds.drop((sibling) => sibling === address, "it is not connected");
    }
    if (this.#leavers.has(address)) return;
    for (const [messageId, entry] of this.#pending) {
      if (!entry.waiting || entry.syncing || entry.target !== address) continue;
      entry.readyHeard = true;
      this.#sendAgain(messageId, entry);
    }
  }

  /** What waits for `sibling`'s next process goes, once it is ready and the old links closed. */
  #releaseNext(sibling) {
    const next = this.#forNext.get(sibling);
    if (!next?.ready) return;
    if (next.gonesAt !== undefined && (this.#gones.get(sibling) ?? 0) === next.gonesAt) return;
    this.#forNext.delete(sibling);
    this.#nextHolds.release(sibling);
  }

  /**
   * Asks one process; resolves with the data of its answer.
   *
   * @param {string} action
   * @param {unknown} data
   * @param {{ to: Address, timeout?: number, signal?: AbortSignal }} options
   * `signal` gives the request up: it rejects with the signal's reason, and
   * the process asked is told (`$cancel`).
   * @returns {Promise<unknown>}
   * @throws {TimeoutError | RemoteError | NoHandlerError | UnreachableError | ClosedError | FrameError}
   */
  request(action, data, options = {}) {
    const { to, timeout = this.#bootstrap.requestTimeout, signal } = options;
    try {
      assertUserAction(action);
      // Ignored, a misspelt `timout` would leave the default in force unnoticed.
      for (const name of Object.keys(options)) {
        if (!REQUEST_OPTIONS.includes(name)) {
          throw new TypeError(`Request "${action}" has no option "${name}"`);
        }
      }
      // Not an AbortSignal (an AbortController passed by mistake): listened
      // on, it would fail the open request as its answer came.
      if (signal != null && !(signal instanceof AbortSignal)) {
        throw new TypeError(
          `Request "${action}" has an invalid signal: ${
            Object.prototype.toString.call(signal)
          } is not an AbortSignal (pass controller.signal)`,
        );
      }
      if (signal?.aborted) throw signal.reason;
      if (to === undefined) throw new TypeError(`Request "${action}" needs a target: pass { to }`);
      // A negative or NaN timeout would make a frame every receiver refuses.
      if (typeof timeout !== "number" || !(timeout >= 0)) {
        throw new TypeError(`Request "${action}" has an invalid timeout: ${timeout}`);
      }
      if (this.#state === "closing" || this.#state === "closed") {
        throw new ClosedError(`Request "${action}" to ${describe(to)} was cancelled: closed`, {
          action,
          peer: to,
        });
      }
      const messageId = `${this.#idPrefix}${(this.#nextId++).toString(36)}`;
      // The timeout travels with the request: the handler's signal aborts when it passes.
      const wire = Number.isFinite(timeout)
        ? { action, data, messageId, timeout }
        : { action, data, messageId };
      // An answer written by hand, as imi's are, may echo the messageId the
      // data carries as it goes (what its toJSON gave, say).
      let dataId;
      const payload = this.#encode(wire, to, [to], (sent) => {
        dataId = typeof sent?.messageId === "string" ? sent.messageId : undefined;
      });
      // Aborted as it was encoded (the caller's `toJSON` or getter ran): not
      // sent, and not awaited, as the abort it would listen for is past.
      if (signal?.aborted) throw signal.reason;
      // Behind messages held for its next process, the request waits for it too.
      let waits = this.#leavers.has(to) || this.#nextHolds.holds(to);
      let sent = waits || this.#send(to, payload);
      // Being replaced, and no process of it listens now: it waits for the next.
      if (!sent && this.#replacing.has(to) && !this.#waitsEnded) waits = sent = true;
      // A sibling that does not listen: still starting with the cluster, or
      // being replaced and not heard of yet. Its manager is asked, and says
      // (its answer comes after every event it sent before, and, for a
      // sibling starting with the cluster, once that sibling listens).
      const syncing = !sent && this.#endpoint.isSibling(to) && !this.#down.has(to);
      if (syncing) waits = sent = true;
      // Its place among what was forwarded to `to`, for a GONE frame's counts.
      const place = waits ? 0 : this.#endpoint.forwarded(to);
      if (!sent) {
        const why = this.#leftWithHost.has(to)
          ? "it is not connected (its host left the cluster)"
          : this.#inCluster(to)
          ? "it is not connected"
          : "no such process";
        throw new UnreachableError(`Request "${action}" to ${describe(to)} failed: ${why}`, {
          action,
          peer: to,
        });
      }
      return new Promise((resolve, reject) => {
        // Made here, so that its stack shows who asked.
        const late = new TimeoutError(
          `Request "${action}" to ${describe(to)} timed out after ${timeout} ms`,
          { action, peer: to },
        );
        // Still waiting for the manager's word on a sibling that does not listen.
        const unready = syncing
          ? new TimeoutError(
            `Request "${action}" to ${describe(to)} timed out after ${timeout} ms: ${
              this.#siblings.mayBeStarting(to)
                ? `${describe(to)} was not ready in time`
                : `${describe(to)} is not connected, and the manager did not say why in time`
            }`,
            { action, peer: to },
          )
          : undefined;
        // Past the timers' range, as good as never.
        const timer = timeout <= MAX_DELAY
          ? setTimeout(
            () =>
              this.#settle(
                messageId,
                this.#pending.get(messageId)?.syncing && unready ? unready : late,
              ),
            timeout,
          )
          : undefined;
        if (dataId !== undefined) {
          const carrying = this.#byDataId.get(dataId);
          if (carrying) carrying.push(messageId);
          else this.#byDataId.set(dataId, [messageId]);
        }
        this.#pending.set(messageId, {
          action,
          target: to,
          resolve,
          reject,
          timer,
          dataId,
          payload,
          waiting: waits,
          place,
          // Waiting from the start: it goes once the next process is ready
          // and every link to the old one closed.
          refusedOn: waits && this.#endpoint.linked(to) ? this.#gones.get(to) ?? 0 : undefined,
          readyHeard: false,
          syncing,
          signal,
          onAbort: () => {
            this.#settle(messageId, signal.reason);
            this.#sendControl(to, "$cancel", { messageId });
          },
        });
        signal?.addEventListener("abort", this.#pending.get(messageId).onAbort, { once: true });
        if (syncing) {
          this.#sync.ask({ for: to }, () => this.#syncedFor(messageId));
        }
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Leaves the cluster: open requests are rejected, what was sent is
   * written, each connection is ended. Its own code's close (not a stop's)
   * then exits the process `stopTimeout` after the close at the latest,
   * with `process.exitCode`, to be restarted, as a Deno child does.
   * Idempotent.
   *
   * @returns {Promise<void>}
   */
  close() {
    const leaving = this.#closing === undefined && this.#stopWork === undefined;
    // Its own code closes it while it runs: peers are told first, as when it
    // stops alone (`$leaving`, ahead of the close on each connection), so
    // that their requests wait for its next process rather than fail as not
    // connected between its close and its exit. Not waiting for their
    // `$left`: the close was asked for now.
    if (leaving && this.#state === "ready") {
      this.#leaving ??= { told: new Set(), waiting: new Set(), settled: [] };
      for (const peer of this.#endpoint.connected()) this.#tellLeaving(peer);
    }
    this.#closing ??= this.#shutDown();
    if (leaving) {
      // Else what else it runs (a server, a timer) kept it alive outside
      // the cluster, listed ready and never replaced. Unref'd: a process
      // with nothing left ends before.
      const stopTimeout = this.#bootstrap.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
      void this.#closing.then(() => setTimeout(() => process.exit(), stopTimeout).unref());
    }
    return this.#closing;
  }

  async #shutDown() {
    this.#state = "closing";
    process.off("SIGTERM", this.#onSigterm);
    process.off("SIGINT", this.#onSigint);
    for (const [messageId, { action, target }] of this.#pending) {
      const error = new ClosedError(
        `Request "${action}" to ${describe(target)} was cancelled: ${describe(this.id)} closed`,
        { action, peer: target },
      );
      this.#settle(messageId, error);
    }
    for (const key of this.#incoming.keys()) this.#abortIncoming(key, abortError("closed"));
    this.#forNext.clear();
    this.#nextHolds.drop(() => true, "this process closed first");
    this.#siblings.close();
    this.#sync.endAll();
    await this.#endpoint.close();
    process.stdin.destroy();
    this.#state = "closed";
  }

  /**
   * Closes, then exits: the second phase of a stop. The manager relays no
   * new request after `$exit`, so the requests taken since `$stopped` are
   * answered first (the manager kills a child that takes too long). Told
   * to exit before it said `$stopped`, the manager waited out
   * `stopTimeout` for its handlers already: it closes at once.
   */
  async #exit(code) {
    // Alone: once more for peers that came meanwhile; nothing happens between this and the close.
    if (this.#leaving) await this.#letPeersGo();
    if (this.#saidStopped) await this.#handlersSettled();
    await this.close();
    process.exit(code);
  }

  /**
   * The stop work, once: the stop handlers together, then the handlers
   * still running. Alone (the cluster goes on), in between it refuses new
   * requests and lets its peers go (`$leaving`, `$left`).
   */
  #doStopWork(alone) {
    this.#stopWork ??= (async () => {
      // A service, when the whole host stops: the manager stopped the
      // workers first; once each connection from one has closed, all each
      // sent in its own stop work is in.
      if (!alone && typeof this.id === "string") await this.#workersGone();
      await Promise.all([...this.#stopHandlers].map(async (handler) => {
        try {
          await handler();
        } catch (error) {
          this.#report(new SwitchboardError("A stop handler failed", { cause: error }));
        }
      }));
      if (alone) {
        // It takes no new request now: every handler ends in time.
        await this.#letPeersGo();
        return await this.#handlersSettled();
      }
      // The whole host stops, and the manager relays other hosts' requests
      // until `$exit`: waiting for those too, under a steady load it never
      // said `$stopped`, and was killed at `stopTimeout`. Those it takes
      // from now on it answers at `$exit`, before it closes.
      await this.#runningSettled();
    })();
    return this.#stopWork;
  }

  /**
   * Refuses new requests from now on, tells every peer connected now
   * `$leaving`, and waits for each one's `$left` (frames on a connection
   * stay in order: every request it sent before is in), at most the
   * request timeout, so that a stopped peer cannot hold this one.
   */
  async #letPeersGo() {
    this.#leaving ??= { told: new Set(), waiting: new Set(), settled: [] };
    for (const peer of this.#endpoint.connected()) this.#tellLeaving(peer);
    if (this.#leaving.waiting.size === 0) return;
    let timer;
    await Promise.race([
      new Promise((resolve) => this.#leaving.settled.push(resolve)),
      new Promise((resolve) => timer = setTimeout(resolve, this.#bootstrap.requestTimeout)),
    ]);
    clearTimeout(timer);
  }

  /** Tells `peer` `$leaving`, once, and waits for its `$left`. */
  #tellLeaving(peer) {
    if (this.#leaving.told.has(peer)) return;
    this.#leaving.told.add(peer);
    if (this.#sendControl(peer, "$leaving")) this.#leaving.waiting.add(peer);
  }

  /** `peer` has every request it sent before its `$left` in. */
  #left(peer) {
    const leaving = this.#leaving;
    if (!leaving?.waiting.delete(peer) || leaving.waiting.size > 0) return;
    for (const resolve of leaving.settled.splice(0)) resolve();
  }

  /**
   * Answers a request this process no longer takes: nothing of it runs,
   * and the refusal carries its data back (when it fits a frame), to go to
   * another worker or wait for this one's new process.
   */
  #refuse(from, message) {
    const answer = {
      action: responseAction(message.action),
      messageId: message.messageId,
      re: true,
      error: { name: "ClosedError", message: `${describe(this.id)} is stopping`, stopping: true },
    };
    try {
      let payload;
      try {
        payload = this.#encode({ ...answer, data: message.data }, from);
      } catch {
        payload = this.#encode(answer, from);
      }
      this.#send(from, payload);
    } catch (error) {
      this.#report(error);
    }
  }

  /** Resolves once no connection to a worker is open (see `#doStopWork`). */
  #workersGone() {
    return new Promise((resolve) => {
      this.#workersGoneWaiters.push(resolve);
      this.#checkWorkersGone();
    });
  }

  #checkWorkersGone() {
    if (this.#endpoint.connected().some((peer) => typeof peer === "number")) return;
    for (const resolve of this.#workersGoneWaiters.splice(0)) resolve();
  }

  /**
   * The connection to `address` closed, or, on another host, the manager
   * says it is gone (`reason` says why, when it should be told): what
   * waits on it fails, as `last` says (what the manager had not read yet,
   * or what is still on its way, stays open), and its `$left` is no longer
   * waited for. Unless it is still there (`last.there`), the requests it
   * made are given up, their answers dropped.
   */
  #gone(address, reason, last = { there: false }) {
    this.#checkWorkersGone();
    const fate = fateOf(this.#endpoint.forwarded(address), last);
    const never = last.undelivered === Infinity;
    // Still there, one message to it refused by the manager (a GONE frame,
    // which says `seen`: the window to its host full, say): that broke no
    // request, and their answers come. (A link that closed while another
    // to it is open, maybe its next process's, fails them: they may be lost.)
    const broken = last.there !== true || last.seen === undefined || never;
    for (const [messageId, entry] of this.#pending) {
      // Refused already, it waits for the next process, not for this one.
      if (entry.target !== address || entry.waiting || !broken) continue;
      const outcome = fate(entry.place);
      if (outcome === "kept") continue;
      // Never written: the manager is asked about it, as for its messages.
      if (never && this.#mayWaitForNext(address)) {
        Object.assign(entry, {
          waiting: true,
          syncing: true,
          unwelcomed: true,
          readyHeard: false,
          refusedOn: undefined,
        });
        this.#sync.ask({ for: address }, () => this.#syncedFor(messageId));
        continue;
      }
      const why = outcome === "reached"
        ? "the connection closed before it answered"
        : never
        ? "the connection to it did not open"
        : "it was not delivered";
      this.#settle(
        messageId,
        new UnreachableError(`Request "${entry.action}" to ${describe(address)} failed: ${why}`, {
          cause: reason,
          action: entry.action,
          peer: address,
        }),
      );
    }
    // Still there, only a message to it was refused: what it asked is
    // still answered, though its handlers are told (a part may be missing).
    const there = last.there === true;
    if (!there) {
      this.#siblings.started(address);
      this.#left(address);
      this.#gones.set(address, (this.#gones.get(address) ?? 0) + 1);
    }
    // A link to it closed: what waited for that may go again, messages first.
    this.#releaseNext(address);
    for (const [messageId, entry] of this.#pending) {
      if (entry.waiting && entry.target === address) this.#sendAgain(messageId, entry);
    }
    for (const key of this.#incoming.keys()) {
      if (key.startsWith(`${JSON.stringify(address)} `)) {
        this.#abortIncoming(key, abortError(there ? "refused" : "gone"));
      }
    }
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
      this.#endpoint.removeSocketFile();
      process.exit(SIGTERM_EXIT_CODE);
    }
    this.#terminating = true;
    // Asked to stop already (`$stop`): the manager drives that stop.
    if (this.#stopWork) return;
    if (this.#state !== "ready" || !this.#sendControl(MANAGER, "$term")) this.#stopOnItsOwn();
  }

  /**
   * The stop nobody will ask for, then exit with the code SIGTERM gives (so
   * that a process not ready yet is not taken for one that never joined).
   * Each phase within the bootstrap's `stopTimeout`, as the manager bounds
   * them: a peer that never closes its end would hold the close, and
   * nobody is left to kill this process.
   */
  #stopOnItsOwn() {
    this.#ownStop ??= (async () => {
      const stopTimeout = this.#bootstrap.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
      await within(this.#doStopWork(true), stopTimeout);
      if (this.#leaving) await within(this.#letPeersGo(), stopTimeout);
      await within(this.close(), stopTimeout);
      process.exit(SIGTERM_EXIT_CODE);
    })();
  }

  /** The connection to the manager closed: without it a child has no cluster, and nobody would stop it. */
  #orphaned() {
    if (this.#state === "closing" || this.#state === "closed") return;
    // SIGTERM'd (every child is, when the manager ends abruptly): its stop
    // work, as the signal asked, though nobody waits for it.
    if (this.#terminating) return this.#stopOnItsOwn();
    this.#endpoint.removeSocketFile();
    process.exit(ORPHAN_EXIT_CODE);
  }

  // Messages.

  /**
   * Sends one payload to one process.
   *
   * @returns {boolean} Whether it was handed over.
   */
  #send(to, payload) {
    if (this.#state === "closed") return false;
    if (to === this.id) {
      setImmediate(() => {
        try {
          this.#receive(this.id, decodeMessage(payload, describe(this.id), this.id));
        } catch (error) {
          this.#report(error);
        }
      });
      return true;
    }
    if (!this.#inCluster(to)) return false;
    // What was held for it, starting, goes first.
    this.#siblings.sendHeld(to);
    return this.#endpoint.send(to, payload);
  }

  #sendControl(to, action, data) {
    return this.#send(to, this.#encode({ action, data }, to));
  }

  /**
   * Encodes a message for `targets`, within what the way to each carries:
   * `maxFrameSize`, and to another host what the manager relays.
   *
   * @param {object} wire
   * @param {Address | Address[] | undefined} to The target as the caller
   * named it, for errors (undefined: every worker).
   * @param {Address[]} [targets] The processes it names.
   * @param {(data: unknown) => void} [sent] Told the data as it goes.
   * @returns {Uint8Array}
   * @throws {FrameError} When it cannot be encoded, or is over a target's limit.
   */
  #encode(wire, to, targets = [to], sent = undefined) {
    const payload = encodeMessage(wire, this.#bootstrap.maxFrameSize, to, sent);
    for (const target of targets) {
      const limit = this.#endpoint.maxPayload(target);
      if (payload.length <= limit) continue;
      throw new FrameError(
        `Cannot send "${wire.action}" to ${
          describe(target)
        }: the message is ${payload.length} bytes, over the ${limit}-byte limit of the transport to it (${
          this.#endpoint.limitName(target)
        })`,
        { action: wire.action, peer: target },
      );
    }
    return payload;
  }

  #inCluster(address) {
    const { workers, services, managers } = this.#layout;
    return address === MANAGER || workers.includes(address) || services.includes(address) ||
      managers.includes(address);
  }

  /** One decoded message from `from`: a control frame, an answer, or one for the listeners. */
  #receive(from, message) {
    if (message.action.startsWith("$")) return this.#control(from, message);
    if (this.#state === "closed") return;
    if (this.#leaving) {
      this.#tellLeaving(from);
      if (message.messageId !== undefined && message.re !== true) {
        return this.#refuse(from, message);
      }
    }
    // A part of a streamed answer: this peer never asks for one.
    if (message.part === true) return;
    // Answers settle requests at once, even while held for the listeners.
    this.#answer(from, message);
    const dispatching = this.#state === "ready" ||
      (this.#state === "closing" && this.#held.length === 0);
    if (dispatching) this.#dispatch(from, message);
    else this.#held.push([from, message, this.#gones.get(from) ?? 0, performance.now()]);
  }

  /** @throws {FrameError} When the frame is not what the protocol says, or not expected from `from`. */
  #control(from, { action, data }) {
    const fromManager = from === MANAGER;
    const bad = (problem) =>
      new FrameError(`Bad frame from ${describe(from)}: ${problem}`, { action, peer: from });
    if (action === "$cancel") {
      if (typeof data?.messageId !== "string") throw bad('"$cancel" without a messageId');
      // For a request held until the go-ahead: kept with it, as nothing of it is open yet.
      const held = this.#held.findLast(([sender, held]) =>
        sender === from && held.messageId === data.messageId && held.re !== true
      );
      if (held) held[4] = true;
      return this.#abortIncoming(`${JSON.stringify(from)} ${data.messageId}`, abortError("cancel"));
    }
    // Credit for a streamed answer: this peer answers in one part, and needs
    // none; a malformed one is a bad frame all the same, as it is to Switchboard.
    if (action === "$more") {
      if (typeof data?.messageId !== "string" || !Number.isInteger(data.parts) || data.parts < 1) {
        throw bad('"$more" without a messageId and parts');
      }
      return;
    }
    // A process stopping alone: every request this peer sent it before is in.
    if (action === "$leaving") {
      // A manager stops with its host: no next process of it comes.
      if (!this.#waitsEnded && !isManager(from)) this.#leavers.add(from);
      return void this.#sendControl(from, "$left");
    }
    if (action === "$left") return this.#left(from);
    if (fromManager && action === "$stop") {
      // The whole cluster stops: no process is replaced any more.
      if (data?.alone !== true) this.#endWaits();
      return void this.#stop(data?.alone === true);
    }
    if (fromManager && action === "$exit") return void this.#exit(0);
    if (fromManager && action === "$synced") return this.#sync.synced(data);
    if (fromManager && action === "$event") {
      this.#siblings.started(data?.address);
      this.#sendWaiting(data);
      return this.#tellLifecycle(data);
    }
    if (fromManager && action === "$members") {
      if (!isLayout(data)) throw bad('"$members" is not a layout');
      const { workers, services, managers } = data;
      this.#leftWithHost.note(this.#layout, { workers, services, managers });
      this.#layout = { workers, services, managers };
      // A process whose host left is replaced by none.
      this.#failWaiting((target) => !this.#inCluster(target), "left the cluster");
      return;
    }
    throw bad(`unexpected "${action}"`);
  }

  /** Stop, first phase: the stop work, still receiving; then `$stopped`, once what it sent is written. */
  async #stop(alone) {
    await this.#doStopWork(alone);
    await this.#endpoint.flushed();
    this.#sendControl(MANAGER, "$stopped");
    this.#saidStopped = true;
  }

  /**
   * Requests waiting for a process's next one: sent to it once it is
   * ready; failed once none will come (it was given up, or exited not to
   * be restarted).
   */
  #sendWaiting(event) {
    const address = event?.address;
    if (event?.type === "ready") this.#toldReplacing.delete(address);
    // Its process is gone, whatever this process has read of its connections
    // yet: sent on them, a message would count as handed over and be lost;
    // refused, one for a process being replaced waits for it.
    if ((event?.type === "exit" || event?.type === "fatal") && !this.#toldReplacing.has(address)) {
      this.#endpoint.ended(address);
    }
    if (event?.type === "exit") {
      const clean = event.code === 0 && event.signal === null;
      if (!clean || event.restart === false) this.#down.add(address);
    }
    if (event?.type === "fatal") this.#down.add(address);
    if (event?.type === "fatal" || (event?.type === "exit" && event.restart === false)) {
      this.#unready.delete(address);
      return this.#failWaiting((target) => target === address);
    }
    if (event?.type === "reload") {
      if (!this.#waitsEnded) this.#replacing.add(address);
      return;
    }
    if (event?.type === "restart") return void this.#unready.add(address);
    if (event?.type === "exit" && event.code === 0 && event.signal === null) {
      // A running process that exits cleanly to be restarted is replaced; one
      // that does so as it starts failed its start, and may be given up.
      if (this.#unready.has(address)) this.#failWaiting((target) => target === address);
      else if (!this.#waitsEnded) this.#replacing.add(address);
      return;
    }
    if (event?.type !== "ready") return;
    this.#down.delete(address);
    this.#unready.delete(address);
    this.#leavers.delete(address);
    this.#replacing.delete(address);
    // Messages held for it go first, ahead of the requests that waited.
    const next = this.#forNext.get(address);
    if (next) next.ready = true;
    this.#releaseNext(address);
    for (const [messageId, entry] of this.#pending) {
      if (!entry.waiting || entry.target !== address) continue;
      entry.readyHeard = true;
      this.#sendAgain(messageId, entry);
    }
  }

  /**
   * Sends a waiting request again, once its target's next process is ready
   * and the old process's link has closed (the ready event may be heard
   * first: sent on that link, it would be lost with it).
   */
  #sendAgain(messageId, entry) {
    if (!entry.readyHeard) return;
    const gones = entry.refusedOn;
    if (gones !== undefined && (this.#gones.get(entry.target) ?? 0) === gones) return;
    entry.waiting = false;
    entry.syncing = false;
    if (this.#send(entry.target, entry.payload)) {
      // Sent again: its place among what was forwarded is this one.
      entry.place = this.#endpoint.forwarded(entry.target);
      return;
    }
    this.#failRequest(messageId, entry, "is not connected");
  }

  /** Fails an open request to a process it cannot reach: `it ${why}`. */
  #failRequest(messageId, entry, why) {
    this.#settle(
      messageId,
      new UnreachableError(
        `Request "${entry.action}" to ${describe(entry.target)} failed: it ${why}`,
        { action: entry.action, peer: entry.target },
      ),
    );
  }

  /**
   * The manager answered about the sibling a request could not reach (or
   * cannot be asked): being replaced, it waits for the next process; else
   * it goes now, or fails as not connected.
   */
  #syncedFor(messageId) {
    const entry = this.#pending.get(messageId);
    if (!entry?.syncing) return;
    entry.syncing = false;
    if (this.#replacing.has(entry.target) && !this.#waitsEnded) return;
    // Its dial closed unwelcomed as it crashed: a crash is no replacement.
    if (entry.unwelcomed && this.#down.has(entry.target)) {
      return this.#failRequest(messageId, entry, "is not connected");
    }
    entry.readyHeard = true;
    this.#sendAgain(messageId, entry);
  }

  /**
   * Fails the requests waiting for a next process of a target `which`
   * picks: none will come (`why`), as Switchboard's own wait says.
   *
   * @param {(target: Address) => boolean} which
   * @param {string} [why]
   */
  #failWaiting(which, why = "stopped, and no new process replaced it") {
    for (const leaver of this.#leavers) if (which(leaver)) this.#leavers.delete(leaver);
    for (const sibling of this.#forNext.keys()) if (which(sibling)) this.#forNext.delete(sibling);
    this.#nextHolds.drop(which, `it ${why}`);
    for (const replaced of this.#replacing) if (which(replaced)) this.#replacing.delete(replaced);
    for (const [messageId, entry] of this.#pending) {
      if (!entry.waiting || !which(entry.target)) continue;
      this.#failRequest(messageId, entry, why);
    }
  }

  /** The cluster stops: what waits for a next process fails, and nothing waits again. */
  #endWaits() {
    this.#waitsEnded = true;
    this.#forNext.clear();
    this.#nextHolds.drop(() => true, "the cluster is stopping, and no new process will come");
    this.#leavers.clear();
    this.#replacing.clear();
    for (const [messageId, entry] of this.#pending) {
      if (!entry.waiting) continue;
      this.#settle(
        messageId,
        new ClosedError(
          `Request "${entry.action}" to ${
            describe(entry.target)
          } was cancelled: the cluster is stopping, and no new process will come`,
          { action: entry.action, peer: entry.target },
        ),
      );
    }
  }

  #tellLifecycle(event) {
    for (const listener of this.#lifecycle) {
      try {
        const result = listener(event);
        if (typeof result?.then === "function") {
          result.then(undefined, (error) => this.#report(error));
        }
      } catch (error) {
        this.#report(error);
      }
    }
  }

  /** Settles the request `message` answers, if any: from its target, of its response action. */
  #answer(from, message) {
    const answers = (id) => {
      const entry = this.#pending.get(id);
      return entry?.target === from && responseAction(entry.action) === message.action;
    };
    let messageId = message.messageId ?? message.data?.messageId;
    if (message.messageId === undefined && !answers(messageId)) {
      // The first open request carrying it that is to `from`, under this action.
      messageId = this.#byDataId.get(messageId)?.find(answers);
    }
    const entry = this.#pending.get(messageId);
    if (!entry || entry.target !== from || responseAction(entry.action) !== message.action) return;
    const { error } = message;
    if (error === undefined) return this.#settle(messageId, undefined, message.data);
    // Refused by a process stopping alone (reloaded, SIGTERM'd): it did not
    // run, and goes to its next process once that is ready, within its
    // timeout. A manager stops with its host: none comes after it.
    if (error.stopping === true) {
      if (!this.#waitsEnded && !isManager(from)) {
        entry.waiting = true;
        // Connected to the old process (not through the manager): the request
        // goes again only once every link to it closed (a spare too).
        entry.refusedOn = this.#endpoint.linked(from) ? this.#gones.get(from) ?? 0 : undefined;
        entry.readyHeard = false;
        return;
      }
      return this.#settle(
        messageId,
        new ClosedError(
          `Request "${entry.action}" to ${describe(from)} was refused: ${error.message}`,
          {
            action: entry.action,
            peer: from,
          },
        ),
      );
    }
    this.#settle(
      messageId,
      error.undelivered === true
        ? new UnreachableError(
          `Request "${entry.action}" to ${
            describe(from)
          } failed: it was not delivered (${error.message})`,
          { action: entry.action, peer: from },
        )
        // The "no handler" answer carries no stack; a handler's error of that name has one.
        : error.name === "NoHandlerError" && error.stack === undefined
        ? new NoHandlerError(
          `Request "${entry.action}" to ${
            describe(from)
          } failed: it has no handler for "${entry.action}"`,
          { action: entry.action, peer: from },
        )
        : new RemoteError(
          `Request "${entry.action}" to ${describe(from)} failed: ${error.name}: ${error.message}`,
          // Cut short to fit a frame, it has an empty stack: it had one, not sent.
          error.stack === "" ? { name: error.name, message: error.message } : error,
          { action: entry.action, peer: from },
        ),
    );
  }

  #settle(messageId, error, data) {
    const entry = this.#pending.get(messageId);
    if (!entry) return;
    this.#pending.delete(messageId);
    const carrying = entry.dataId === undefined ? undefined : this.#byDataId.get(entry.dataId);
    if (carrying) {
      const at = carrying.indexOf(messageId);
      if (at >= 0) carrying.splice(at, 1);
      if (carrying.length === 0) this.#byDataId.delete(entry.dataId);
    }
    clearTimeout(entry.timer);
    entry.signal?.removeEventListener("abort", entry.onAbort);
    if (error === undefined) entry.resolve(data);
    else entry.reject(error);
  }

  /**
   * Hands a message to its handler and listeners; answers a request nobody
   * listens for. One held since it came (before the go-ahead) comes with
   * how many of its sender's connections had closed then, when, and
   * whether its requester gave it up meanwhile (`$cancel`).
   */
  #dispatch(
    from,
    message,
    seenGone = this.#gones.get(from) ?? 0,
    came = performance.now(),
    cancelled = false,
  ) {
    // A failed answer has no data for listeners: it only settles a request.
    if (message.error !== undefined) return;
    const handler = this.#handlers.get(message.action);
    const listeners = [...(this.#listeners.get(message.action) ?? [])];
    const isRequest = message.messageId !== undefined && message.re !== true;
    if (!handler && listeners.length === 0 && this.#any.size === 0 && !isRequest) return;
    const signal = isRequest
      ? this.#openIncoming(from, message, performance.now() - came, cancelled)
      : new AbortController().signal;
    const msg = new Message(from, message, signal, (to, wire) => this.#replyTo(to, wire, seenGone));
    if (handler) this.#runHandler(handler, msg);
    // With no handler, the listeners answer a request: one that fails
    // before it is answered fails it.
    const answersIt = isRequest && !handler;
    for (const listener of listeners) this.#call(listener, msg, answersIt, msg.data, msg);
    for (const listener of this.#any) this.#call(listener, msg, answersIt, msg);
    if (isRequest && !handler && listeners.length === 0 && this.#any.size === 0) {
      this.#replyError(msg, {
        name: "NoHandlerError",
        message: `${describe(this.id)} has no handler for "${message.action}"`,
      });
    }
  }

  #call(listener, msg, answersIt, ...args) {
    try {
      const result = listener(...args);
      // An async listener's rejection would end the process: handled as its throw is.
      if (typeof result?.then === "function") {
        result.then(undefined, (error) => this.#listenerThrew(msg, answersIt, error));
      }
    } catch (error) {
      this.#listenerThrew(msg, answersIt, error);
    }
  }

  /**
   * onError hears it, and the requester does too, as a handler's throw,
   * when the listeners answer its request and none has yet.
   */
  #listenerThrew(msg, answersIt, error) {
    if (answersIt && !this.#answered.has(msg) && !signalOf(msg).aborted) {
      this.#replyError(msg, toWireError(error));
    }
    // Told all the same: an answer sent by hand with sendMessage is not seen here.
    this.#listenerFailed(msg, error);
  }

  #runHandler(handler, msg) {
    let result;
    let later;
    try {
      result = handler(msg.data, msg);
      // Probed here: a result whose `then` getter throws has failed the
      // handler, not the connection its request came on.
      later = typeof result?.then === "function";
    } catch (error) {
      return this.#handlerFailed(msg, error);
    }
    if (!later) return this.#respond(msg, result);
    const running = Promise.resolve(result)
      .then((value) => this.#respond(msg, value), (error) => this.#handlerFailed(msg, error))
      .catch((error) => this.#report(error))
      .finally(() => this.#running.delete(running));
    this.#running.add(running);
  }

  /** Resolves once the handlers running now have settled; those that start later are not awaited. */
  async #runningSettled() {
    await Promise.all(this.#running);
  }

  /** Resolves once no handler runs, those that start meanwhile included. */
  async #handlersSettled() {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }

  #respond(msg, value) {
    if (!msg.isRequest) return;
    try {
      msg.reply(responseAction(msg.action), value);
    } catch (error) {
      // The answer could not be encoded: the requester hears why, instead of timing out.
      this.#handlerFailed(msg, error);
    }
  }

  #handlerFailed(msg, error) {
    if (msg.isRequest) this.#replyError(msg, toWireError(error));
    else this.#listenerFailed(msg, error);
  }

  #replyError(msg, error) {
    const action = responseAction(msg.action);
    try {
      this.#replyTo(msg, { action, error });
    } catch (thrown) {
      if (!(thrown instanceof FrameError) || !this.#replyCutShort(msg, action, error)) {
        this.#report(thrown);
      }
    }
  }

  /**
   * An error answer too large for a frame (a long message or stack): cut
   * short, then shorter, as Switchboard does, so that the requester learns
   * what failed rather than waiting out its timeout.
   *
   * @returns {boolean} Whether a form of it was handed on.
   */
  #replyCutShort(msg, action, error) {
    for (const most of [SHORT_MESSAGE, SHORTEST_MESSAGE]) {
      try {
        this.#replyTo(msg, { action, error: cutShort(error, most) });
        return true;
      } catch (thrown) {
        if (!(thrown instanceof FrameError)) return false;
      }
    }
    return false;
  }

  #listenerFailed(msg, error) {
    this.#report(
      new SwitchboardError(
        `A listener for "${msg.action}" from ${describe(msg.from)} threw: ${
          toWireError(error).message
        }`,
        { cause: error, action: msg.action, peer: msg.from },
      ),
    );
  }

  /**
   * Answers `msg`'s sender; to a request, with its id and `re: true`, which
   * closes it. `seenGone`: how many of the sender's connections had closed
   * when it came.
   */
  #replyTo(msg, wire, seenGone) {
    const key = `${JSON.stringify(msg.from)} ${msg.messageId}`;
    // Its requester is gone: the answer would go to nobody, or to a process
    // that never asked (the next one at that address). Or its timeout
    // passed, when the requester stops waiting: sent as this process's
    // timer fired a little before the requester's, it would fail the
    // request as a RemoteError, not the requester's TimeoutError.
    const signal = signalOf(msg);
    if (msg.isRequest && (this.#gones.get(msg.from) ?? 0) > seenGone) {
      if (!signal.aborted) this.#closeIncoming(key);
      return false;
    }
    if (msg.isRequest && signalWasRead(msg) && signal.reason?.name === "TimeoutError") {
      return false;
    }
    if (msg.isRequest) {
      wire.messageId = msg.messageId;
      wire.re = true;
    }
    // Answered once the answer can go: one that could not be encoded was
    // not, and a listener that fails for it still fails the request.
    const payload = this.#encode(wire, msg.from);
    if (msg.isRequest) {
      if (wire.part !== true) this.#answered.add(msg);
      // Aborted, it is closed already, and its key may be a newer request's.
      if (!signal.aborted) this.#closeIncoming(key);
    }
    return this.#send(msg.from, payload);
  }

  /** A request being answered: its signal aborts at its timeout, on `$cancel`, or when its sender is gone. */
  #openIncoming(from, { messageId, timeout }, waited = 0, cancelled = false) {
    const key = `${JSON.stringify(from)} ${messageId}`;
    // A requester that reuses a messageId still running: the older request
    // is given up, and the newer is the one its key finds.
    this.#abortIncoming(key, abortError("superseded"));
    const controller = new AbortController();
    // Past the timers' range, as good as never (the codec checked it is a number >= 0).
    // Counted from when it came: it may have been held until the go-ahead.
    const timer = timeout !== undefined && timeout <= MAX_DELAY
      ? setTimeout(() => this.#abortIncoming(key, abortError("timeout")), timeout - waited).unref()
      : undefined;
    this.#incoming.set(key, { controller, timer });
    // Its requester gave it up while it was held.
    if (cancelled) this.#abortIncoming(key, abortError("cancel"));
    return controller.signal;
  }

  #abortIncoming(key, reason) {
    this.#incoming.get(key)?.controller.abort(reason);
    this.#closeIncoming(key);
  }

  #closeIncoming(key) {
    clearTimeout(this.#incoming.get(key)?.timer);
    this.#incoming.delete(key);
  }

  #report(error) {
    if (this.#errors.size === 0) return console.error(error);
    for (const listener of this.#errors) {
      try {
        const result = listener(error);
        if (typeof result?.then === "function") result.then(undefined, console.error);
      } catch (thrown) {
        console.error(thrown);
      }
    }
  }
}

/** Whether `$members` data is `{workers, services, managers}`: worker ids, and names. */
function isLayout(data) {
  if (typeof data !== "object" || data === null) return false;
  const { workers, services, managers } = data;
  return Array.isArray(workers) && workers.every((id) => Number.isInteger(id) && id >= 0) &&
    Array.isArray(services) && services.every((name) => typeof name === "string" && name !== "") &&
    Array.isArray(managers) && managers.every((name) => typeof name === "string" && name !== "");
}

function assertUserAction(action) {
  if (typeof action !== "string" || action === "") {
    throw new TypeError(`An action is a non-empty string, got ${JSON.stringify(action)}`);
  }
  if (action.startsWith("$")) {
    throw new TypeError(
      `Action "${action}" is reserved: names starting with "$" are Switchboard's own`,
    );
  }
}

function abortError(why) {
  if (why === "timeout") return new DOMException("The request's timeout passed", "TimeoutError");
  if (why === "refused") {
    return new DOMException("A message to the requester was refused", "AbortError");
  }
  return new DOMException(`The requester gave up (${why})`, "AbortError");
}

function addTo(set, item) {
  if (typeof item !== "function") throw new TypeError(`Expected a function, got ${typeof item}`);
  set.add(item);
  return () => set.delete(item);
}
