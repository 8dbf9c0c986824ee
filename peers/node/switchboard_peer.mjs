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
 * frames). As a Deno process does, it queues at most the bootstrap's
 * `maxQueuedBytes` for one peer (`QueueFullError` past it), and
 * `drain()` waits down to its `highWaterMark`. Not here: streamed answers
 * (a request that asks for a stream gets one final answer, which the
 * protocol allows).
 *
 * This module is the peer's API and its router: what comes in goes to the
 * control frames, the open requests and the dispatcher, held until the
 * go-ahead. Its parts, each a file as in Switchboard's `src/`:
 * `listeners.mjs` (what it listens with), `dispatch.mjs` and `message.mjs`
 * (listeners called, requests answered), `incoming.mjs` (the requests it
 * answers, and their signals), `requester.mjs` and `pending.mjs` (the
 * requests it makes), `outbox.mjs` (the way out), `layout.mjs` (the
 * cluster), `replacements.mjs` and `next_process_holds.mjs` (siblings
 * being replaced, and what waits for them), `stopping_alone.mjs` (the
 * `$leaving`/`$left` exchange) and `stop_phases.mjs` (how it stops), over
 * `endpoint.mjs` (the sockets).
 *
 * @module
 */

import process from "node:process";
import { assertUserAction } from "./action.mjs";
import { describe, MANAGER } from "./address.mjs";
import { readBootstrap } from "./bootstrap.mjs";
import { decodeMessage } from "./codec.mjs";
import { Dispatcher } from "./dispatch.mjs";
import { Endpoint } from "./endpoint.mjs";
import { abortError, IncomingRequests } from "./incoming.mjs";
import { isLayout, Layout } from "./layout.mjs";
import { LeftHosts } from "./left_hosts.mjs";
import { Listeners } from "./listeners.mjs";
import { ManagerSync } from "./manager_sync.mjs";
import { NextProcessHolds } from "./next_process_holds.mjs";
import { Outbox } from "./outbox.mjs";
import { Replacements } from "./replacements.mjs";
import { Requester } from "./requester.mjs";
import { StartingSiblings } from "./starting_siblings.mjs";
import { StopPhases } from "./stop_phases.mjs";
import { refusal, StoppingAlone } from "./stopping_alone.mjs";
import {
  ClosedError,
  FrameError,
  NoHandlerError,
  QueueFullError,
  RemoteError,
  SwitchboardError,
  TimeoutError,
  UnreachableError,
} from "./errors.mjs";

export { responseAction } from "./action.mjs";
export { Message } from "./message.mjs";
export {
  ClosedError,
  FrameError,
  MANAGER,
  NoHandlerError,
  QueueFullError,
  RemoteError,
  SwitchboardError,
  TimeoutError,
  UnreachableError,
};

/** @typedef {import("./address.mjs").Address} Address */
/** @typedef {import("./message.mjs").Message} Message */

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

/** This process's end of the cluster. */
export class Peer {
  #bootstrap;
  #goAhead;
  /** @type {Layout} The cluster's processes; `$members` changes it. */
  #layout;
  /** @type {Outbox} The way out. */
  #outbox;
  /** The processes of hosts that left, until back. */
  #leftWithHost = new LeftHosts();
  /** @type {Endpoint} This process's sockets. */
  #endpoint;
  /** What this process listens with. */
  #listeners = new Listeners();
  /** The requests this process is answering. */
  #incoming = new IncomingRequests();
  /** @type {Dispatcher} */
  #dispatcher;
  /** @type {Requester} The requests this process makes. */
  #requester;
  /** @type {Map<Address, number>} How many times each peer's connection closed (or it was gone). */
  #gones = new Map();
  /** @type {Replacements} Siblings being replaced, leaving, restarting or down. */
  #replacements;
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
  /** @type {StopPhases} How it stops. */
  #stopPhases;
  /** @type {Promise<void> | undefined} */
  #closing;
  /**
   * Stopping alone (a reload, a SIGTERM to it): the peers told `$leaving`,
   * and those whose `$left` it still waits for; undefined until then.
   * @type {StoppingAlone | undefined}
   */
  #leaving;
  /** Round trips to the manager (`$sync`), for a sibling this process could not reach. */
  #sync = new ManagerSync((data) => this.#sendControl(MANAGER, "$sync", data));
  /** @type {StartingSiblings} Messages held for siblings starting with the cluster. */
  #siblings;
  /** Messages held for siblings' next processes. */
  #nextHolds = new NextProcessHolds({
    send: (sibling, payload) => this.#send(sibling, payload),
    report: (error) => this.#report(error),
    gones: (sibling) => this.#gones.get(sibling) ?? 0,
    linked: (sibling) => this.#endpoint.linked(sibling),
  });
  /**
   * Not for use: peers come from {@linkcode connect}.
   *
   * @param {import("./bootstrap.mjs").Bootstrap} bootstrap
   * @param {Promise<void>} goAhead
   */
  constructor(bootstrap, goAhead) {
    this.#bootstrap = bootstrap;
    this.#goAhead = goAhead;
    this.#replacements = new Replacements(bootstrap.replacing);
    this.#layout = new Layout(bootstrap);
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
      orphaned: () => this.#stopPhases.orphaned(),
      report: (error) => this.#report(error),
    });
    this.#outbox = new Outbox({
      bootstrap,
      endpoint: this.#endpoint,
      siblings: this.#siblings,
      held: (to) => this.#siblings.bytes(to) + this.#nextHolds.bytes(to),
      heldDrained: async (limit, siblings) => {
        await this.#siblings.drained(limit, siblings);
        await this.#nextHolds.drained(limit, siblings);
      },
      layout: { has: (address) => this.#layout.has(address) },
      closed: () => this.#state === "closed",
      receive: (from, message) => this.#receive(from, message),
      report: (error) => this.#report(error),
    });
    const gones = (address) => this.#gones.get(address) ?? 0;
    this.#dispatcher = new Dispatcher({
      self: bootstrap.self,
      listeners: this.#listeners,
      incoming: this.#incoming,
      gones,
      // An answer waits within maxQueuedBytes too: refused, it is not
      // answered yet. One that fails the request has a frame more of room
      // (see Outbox's sendFailure).
      encode: (wire, to) => {
        const payload = this.#encode(wire, to);
        const room = wire.error === undefined ? 0 : this.#outbox.failureRoom();
        this.#outbox.checkRoom([to], payload.length, wire.action, room);
        return payload;
      },
      send: (to, payload) => this.#send(to, payload),
    });
    this.#requester = new Requester({
      requestTimeout: bootstrap.requestTimeout,
      endpoint: this.#endpoint,
      replacements: this.#replacements,
      nextHolds: this.#nextHolds,
      siblings: this.#siblings,
      sync: this.#sync,
      leftWithHost: this.#leftWithHost,
      closing: () => this.#state === "closing" || this.#state === "closed",
      encode: (wire, to, targets, sent) => this.#encode(wire, to, targets, sent),
      send: (to, payload) => this.#send(to, payload),
      sendWithin: (to, payload, action) => this.#outbox.sendWithin(to, payload, action),
      sendControl: (to, action, data) => this.#sendControl(to, action, data),
      inCluster: (address) => this.#layout.has(address),
      gones,
      mayWaitForNext: (address) => this.#mayWaitForNext(address),
    });
    this.#stopPhases = new StopPhases({
      bootstrap,
      listeners: this.#listeners,
      dispatcher: this.#dispatcher,
      endpoint: this.#endpoint,
      sendControl: (to, action) => this.#sendControl(to, action),
      state: () => this.#state,
      leaving: () => this.#leaving !== undefined,
      letPeersGo: () => this.#letPeersGo(),
      close: () => this.close(),
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
    this.#stopPhases.listen();
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
      for (const held of this.#held.splice(0)) this.#dispatcher.dispatch(...held);
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
    return this.#listeners.on(action, listener);
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
    return this.#listeners.handle(action, handler);
  }

  /**
   * Listens for every message; returns the remover.
   *
   * @param {(msg: Message) => void} listener
   */
  onAny(listener) {
    return this.#listeners.onAny(listener);
  }

  /**
   * Work to finish when the cluster stops, before this process exits.
   *
   * @param {() => unknown} handler
   */
  onStop(handler) {
    return this.#listeners.onStop(handler);
  }

  /**
   * Children exiting, restarting, ready again, given up (`$event` data).
   *
   * @param {(event: { type: string, address: Address }) => void} listener
   */
  onLifecycle(listener) {
    return this.#listeners.onLifecycle(listener);
  }

  /**
   * Errors no caller can be given: a bad frame, a listener that threw.
   *
   * @param {(error: Error) => void} listener
   */
  onError(listener) {
    return this.#listeners.onError(listener);
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
   * @throws {QueueFullError} When the queue to one of them has no room
   * for it within `maxQueuedBytes`; then it is sent to none.
   */
  sendMessage(action, data, to) {
    assertUserAction(action);
    const targets = to === undefined ? this.workers : Array.isArray(to) ? [...new Set(to)] : [to];
    const payload = this.#encode({ action, data }, to, targets);
    this.#outbox.checkRoom(targets, payload.length, action);
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
    if (this.#replacements.ended || this.#state === "closing" || this.#state === "closed") {
      return false;
    }
    const waits = this.#nextHolds.holds(target) || this.#replacements.leaving(target) ||
      (this.#replacements.replacing(target) && this.#endpoint.isSibling(target) &&
        !this.#endpoint.reachable(target));
    if (!waits) return false;
    this.#nextHolds.hold(target, payload, action);
    return true;
  }

  /** Whether what was sent to `address` may wait for its next process: a sibling not heard to be down. */
  #mayWaitForNext(address) {
    return this.#endpoint.isSibling(address) && !this.#replacements.down(address) &&
      !this.#replacements.ended &&
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
    this.#sync.ask({ for: address }, () => this.#unsentSynced(address));
  }

  /**
   * The manager answered about a sibling whose dial closed unwelcomed:
   * being replaced, what was held waits for its new process; else it goes
   * now if that process was ready meanwhile or is linked to this one, or
   * is reported lost, and the requests waiting behind it go, or fail.
   */
  #unsentSynced(address) {
    if (!this.#nextHolds.answered(address)) return;
    if (this.#replacements.replacing(address) && !this.#replacements.ended) return;
    this.#nextHolds.goOrDrop(address);
    if (this.#replacements.leaving(address)) return;
    this.#requester.readyFor(address, false);
  }

  /**
   * Resolves once at most `highWaterMark` bytes are queued for `to` (each
   * of them; default: for every peer): a sender that awaits it between
   * sends stays under `maxQueuedBytes`.
   *
   * @param {Address | Address[]} [to]
   * @returns {Promise<void>}
   * @throws {TypeError} When a target is not an address (rejects with it, as Switchboard's does).
   */
  drain(to) {
    return this.#outbox.drain(to);
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
   * @throws {TimeoutError | RemoteError | NoHandlerError | UnreachableError | ClosedError | FrameError | QueueFullError}
   */
  request(action, data, options = {}) {
    return this.#requester.request(action, data, options);
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
    const leaving = this.#closing === undefined && !this.#stopPhases.working;
    // Its own code closes it while it runs: peers are told first, as when it
    // stops alone (`$leaving`, ahead of the close on each connection), so
    // that their requests wait for its next process rather than fail as not
    // connected between its close and its exit. Not waiting for their
    // `$left`: the close was asked for now.
    if (leaving && this.#state === "ready") {
      this.#leaving ??= new StoppingAlone((peer, action) => this.#sendControl(peer, action));
      for (const peer of this.#endpoint.connected()) this.#leaving.tell(peer);
    }
    this.#closing ??= this.#shutDown();
    if (leaving) this.#stopPhases.exitAfter(this.#closing);
    return this.#closing;
  }

  async #shutDown() {
    this.#state = "closing";
    this.#stopPhases.unlisten();
    this.#requester.closeAll(this.id);
    this.#incoming.abortAll("closed");
    this.#nextHolds.drop(() => true, "this process closed first");
    this.#siblings.close();
    this.#sync.endAll();
    await this.#endpoint.close();
    process.stdin.destroy();
    this.#state = "closed";
  }

  /**
   * Refuses new requests from now on, tells every peer connected now
   * `$leaving`, and waits for each one's `$left` (frames on a connection
   * stay in order: every request it sent before is in), at most the
   * request timeout, so that a stopped peer cannot hold this one.
   */
  async #letPeersGo() {
    this.#leaving ??= new StoppingAlone((peer, action) => this.#sendControl(peer, action));
    await this.#leaving.letGo(this.#endpoint.connected(), this.#bootstrap.requestTimeout);
  }

  /**
   * Answers a request this process no longer takes: nothing of it runs,
   * and the refusal carries its data back (when it fits a frame), to go to
   * another worker or wait for this one's new process.
   */
  #refuse(from, message) {
    const answer = refusal(this.id, message);
    try {
      let payload;
      try {
        payload = this.#encode({ ...answer, data: message.data }, from);
      } catch {
        payload = this.#encode(answer, from);
      }
      this.#outbox.sendFailure(from, payload, answer.action);
    } catch (error) {
      this.#report(error);
    }
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
    this.#stopPhases.workersMayBeGone();
    this.#requester.broken(address, reason, last);
    // Still there, only a message to it was refused: what it asked is
    // still answered, though its handlers are told (a part may be missing).
    const there = last.there === true;
    if (!there) {
      this.#siblings.started(address);
      this.#leaving?.left(address);
      this.#outbox.connectionClosed(address);
      this.#gones.set(address, (this.#gones.get(address) ?? 0) + 1);
    }
    // A link to it closed: what waited for that may go again, messages first.
    this.#nextHolds.release(address);
    this.#requester.linkClosed(address);
    this.#incoming.abortFrom(address, there ? "refused" : "gone");
  }

  /**
   * Sends one payload to one process.
   *
   * @returns {boolean} Whether it was handed over.
   */
  #send(to, payload) {
    return this.#outbox.send(to, payload);
  }

  #sendControl(to, action, data) {
    return this.#outbox.sendControl(to, action, data);
  }

  /** Encodes a message for `targets`, within what the way to each carries (see Outbox's). */
  #encode(wire, to, targets = [to], sent = undefined) {
    return this.#outbox.encode(wire, to, targets, sent);
  }

  /** One decoded message from `from`: a control frame, an answer, or one for the listeners. */
  #receive(from, message) {
    if (message.action.startsWith("$")) return this.#control(from, message);
    if (this.#state === "closed") return;
    if (this.#leaving) {
      this.#leaving.tell(from);
      if (message.messageId !== undefined && message.re !== true) {
        return this.#refuse(from, message);
      }
    }
    // A part of a streamed answer: this peer never asks for one.
    if (message.part === true) return;
    // Answers settle requests at once, even while held for the listeners.
    this.#requester.answer(from, message);
    const dispatching = this.#state === "ready" ||
      (this.#state === "closing" && this.#held.length === 0);
    if (dispatching) this.#dispatcher.dispatch(from, message);
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
      return this.#incoming.abort(from, data.messageId, abortError("cancel"));
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
      this.#replacements.leaves(from);
      return void this.#outbox.answerControl(from, "$left");
    }
    if (action === "$left") return this.#leaving?.left(from);
    if (fromManager && action === "$stop") {
      // The whole cluster stops: no process is replaced any more.
      if (data?.alone !== true) this.#endWaits();
      return void this.#stopPhases.stop(data?.alone === true);
    }
    if (fromManager && action === "$exit") return void this.#stopPhases.exit(0);
    // The watchdog (hangTimeout): answered by this event loop, so that a
    // loop that is blocked cannot answer. The manager sends the next only
    // once this one's answer came: at most one is ever queued.
    if (fromManager && action === "$ping") return void this.#sendControl(MANAGER, "$pong", data);
    if (fromManager && action === "$synced") return this.#sync.synced(data);
    if (fromManager && action === "$event") {
      this.#siblings.started(data?.address);
      this.#sendWaiting(data);
      return this.#listeners.tellLifecycle(data);
    }
    if (fromManager && action === "$members") {
      if (!isLayout(data)) throw bad('"$members" is not a layout');
      const layout = new Layout(data);
      this.#leftWithHost.note(this.#layout, layout);
      this.#layout = layout;
      // A process whose host left is replaced by none.
      this.#failWaiting((target) => !this.#layout.has(target), "left the cluster");
      return;
    }
    throw bad(`unexpected "${action}"`);
  }

  /**
   * Requests waiting for a process's next one: sent to it once it is
   * ready; failed once none will come (it was given up, or exited not to
   * be restarted).
   */
  #sendWaiting(event) {
    const address = event?.address;
    const { ended, comeback } = this.#replacements.hear(event);
    if (ended) this.#endpoint.ended(address);
    if (comeback === "gone") return this.#failWaiting((target) => target === address);
    if (comeback !== "ready") return;
    // Messages held for it go first, ahead of the requests that waited.
    this.#nextHolds.ready(address);
    this.#requester.readyFor(address);
  }

  /**
   * Fails the requests waiting for a next process of a target `which`
   * picks: none will come (`why`), as Switchboard's own wait says.
   *
   * @param {(target: Address) => boolean} which
   * @param {string} [why]
   */
  #failWaiting(which, why = "stopped, and no new process replaced it") {
    this.#replacements.forget(which);
    this.#nextHolds.drop(which, `it ${why}`);
    this.#requester.failWaiting(which, why);
  }

  /** The cluster stops: what waits for a next process fails, and nothing waits again. */
  #endWaits() {
    this.#replacements.end();
    this.#nextHolds.drop(() => true, "the cluster is stopping, and no new process will come");
    this.#requester.endWaits();
  }

  #report(error) {
    this.#listeners.report(error);
  }
}
