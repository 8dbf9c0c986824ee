/**
 * The router: one per process, on top of its transport endpoint. It turns
 * sends and replies into payloads for the endpoint (requests go through
 * its {@linkcode Requester}), within the flow control of the queues to each
 * peer, and hands the payloads the endpoint delivers to its
 * {@linkcode Intake}, which turns them into messages. It keeps what ties
 * the two ways together: the process's state (`router_state.ts`), its
 * readiness, and the connections' comings and goings.
 *
 * Data flows one way through it: payload → intake → (control, pending
 * request, dispatcher); and call → encoded payload → endpoint. It is
 * untyped; {@linkcode Peer} puts the protocol's types on top.
 *
 * @module
 */

import {
  type Address,
  ANY,
  describe,
  isAddress,
  MANAGER,
  type Target,
  targetsOf,
} from "./address.ts";
import { assertUserAction, CONTROL_PREFIX } from "./action.ts";
import { asError } from "./as_error.ts";
import { type Clock, SYSTEM_CLOCK } from "./clock.ts";
import { decodeMessage, encodeMessage, type WireMessage } from "./codec.ts";
import { type ControlTable, LEAVING } from "./control.ts";
import { ControlFrames } from "./control_frames.ts";
import { QueueFullError } from "./errors.ts";
import { Dispatcher } from "./dispatch.ts";
import { HeldForSiblings } from "./held_for_siblings.ts";
import { IncomingRequests } from "./incoming.ts";
import { Intake } from "./intake.ts";
import type { Layout } from "./layout.ts";
import { Listeners } from "./listeners.ts";
import { Loopback } from "./loopback.ts";
import type { ReceivedMessage } from "./message.ts";
import { nextTask } from "./next_task.ts";
import { Outbox } from "./outbox.ts";
import { Requester } from "./requester.ts";
import { refusalIn, type RouterState } from "./router_state.ts";
import { StoppingAlone } from "./stopping_alone.ts";
import type { Schemas } from "./schema.ts";
import { checkOutgoing } from "./validation.ts";
import { type Endpoint, FULL, type LastSent, type Payload, type Receiver } from "./transport.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";
import type { RequestAllOptions, RequestOptions, Settled } from "./request_types.ts";
import type { PeerStats } from "./stats.ts";

/** What the owner of a router (manager or child) tells it. */
export interface RouterOptions {
  /** This process's endpoint; the router owns it from now on. */
  endpoint: Endpoint;
  /** The cluster's processes. */
  layout: Layout;
  /** The largest message to send. */
  maxFrameSize: number;
  /** The default request timeout, in ms. */
  requestTimeout: number;
  /** Queued bytes per peer above which `drain()` waits. */
  highWaterMark: number;
  /** Queued bytes per peer above which sends are refused. */
  maxQueuedBytes: number;
  /** The control actions the owner handles; any other closes the connection it came on. */
  control?: ControlTable;
  /** Told when a connection to a peer is gone, after requests to it were failed. */
  onGone?(peer: Address, reason: Error | undefined): void;
  /** In a manager: told when a child joined (see {@linkcode Receiver.joined}). */
  onJoined?(child: Address): void;
  /**
   * In a child: resolves once it has heard every lifecycle event its
   * manager sent before, and once `about` listens if it is starting for
   * the first time (see `ManagerSync`).
   */
  syncWithManager?(about: Address): Promise<void>;
  /**
   * Told once, when the process becomes ready for messages. It may return
   * a promise that settles in a later task, after which the held messages
   * are dispatched (by default: the next task).
   */
  onReady?(): Promise<void> | void;
  /** Time and timers for request timeouts (default: the machine's). */
  clock?: Clock;
  /** Schemas by action, for the data sent and received. */
  schemas?: Schemas;
}

/** Routes one process's messages. */
export class Router implements Receiver {
  /** This process's address. */
  readonly self: Address;
  /** The default request timeout, in ms. */
  readonly requestTimeout: number;
  /** What this process listens with. */
  readonly listeners: Listeners;
  readonly #options: RouterOptions;
  readonly #endpoint: Endpoint;
  readonly #loopback: Loopback;
  readonly #outbox: Outbox;
  readonly #dispatcher: Dispatcher;
  /** The requests this process made. */
  readonly #requester: Requester;
  /** The requests this process is answering, with their handlers' signals. */
  readonly #incoming: IncomingRequests;
  /** Turns what the endpoint delivers into messages. */
  readonly #intake: Intake;
  #state: RouterState = "holding";
  /** Who waits in `connectionsClosed`. */
  #closingWaiters: { closed: () => boolean; resolve: () => void }[] = [];
  /** Stopping alone: new requests are refused, and peers told. */
  readonly #stoppingAlone = new StoppingAlone((peer) => this.sendControl(peer, LEAVING));
  /** Peers whose control answers were dropped, their queue full: reported once a connection. */
  readonly #overflowing = new Set<Address>();
  #closing: Promise<void> | undefined;
  /** What this process was told at its start is being replaced, until each is ready. */
  readonly #toldReplacing = new Set<Address>();

  constructor(options: RouterOptions) {
    this.self = options.endpoint.self;
    this.requestTimeout = options.requestTimeout;
    this.listeners = new Listeners(this.self);
    this.#options = options;
    this.#endpoint = options.endpoint;
    this.#incoming = new IncomingRequests(options.clock ?? SYSTEM_CLOCK);
    this.#dispatcher = new Dispatcher(this.self, this.listeners, this, this.#incoming);
    this.#loopback = new Loopback((payloads) => {
      try {
        this.#intake.deliver(this.self, payloads);
      } catch (error) {
        this.listeners.report(asError(error));
      }
    });
    this.#outbox = new Outbox(
      this.#endpoint,
      this.#loopback,
      options.maxQueuedBytes,
      options.layout,
    );
    this.#requester = new Requester({
      self: this.self,
      outbox: this.#outbox,
      maxFrameSize: options.maxFrameSize,
      requestTimeout: options.requestTimeout,
      schemas: options.schemas,
      clock: options.clock,
      refusal: () => refusalIn(this.#state),
      sendControl: (to, action, data) => this.sendControl(to, action, data),
      syncWithManager: options.syncWithManager,
    });
    if (options.syncWithManager) {
      this.#outbox.siblings = new HeldForSiblings({
        news: (sibling) => this.#requester.siblingNews(sibling),
        // Held within maxQueuedBytes (frame headers counted), they go as a
        // whole: counted as sent, none may be refused at the end.
        send: (to, payload) => this.#endpoint.send(to, payload),
        report: (error) => this.listeners.report(error),
        replacing: (sibling) => this.#requester.replacements.has(sibling),
        cost: (to, size) => this.#outbox.queueCost(to, size),
      });
    }
    const controlFrames = new ControlFrames({
      incoming: this.#incoming,
      requester: this.#requester,
      stoppingAlone: this.#stoppingAlone,
      answerControl: (to, action, data) => this.answerControl(to, action, data),
      table: options.control,
      left: (peer) => {
        if (this.layout.has(peer) && peer !== MANAGER) {
          this.#outbox.siblings?.holdForNext(peer, [], "it left");
        }
      },
    });
    this.#intake = new Intake({
      self: this.self,
      state: () => this.#state,
      endpoint: this.#endpoint,
      outbox: this.#outbox,
      maxFrameSize: options.maxFrameSize,
      schemas: options.schemas,
      controlFrames,
      requester: this.#requester,
      incoming: this.#incoming,
      dispatcher: this.#dispatcher,
      stoppingAlone: this.#stoppingAlone,
      listeners: this.listeners,
    });
    this.#endpoint.receive(this);
  }

  /** The cluster's processes; set as hosts join and leave. */
  get layout(): Layout {
    return this.#outbox.layout;
  }

  set layout(layout: Layout) {
    this.#outbox.layout = layout;
  }

  /** Where the process is in its life. */
  get state(): RouterState {
    return this.#state;
  }

  /**
   * From now on, refuses new requests with `ClosedError`; requests already
   * sent may still be answered, and messages still flow. For a graceful stop.
   */
  refuseNewRequests(): void {
    if (this.#state !== "closing" && this.#state !== "closed") this.#state = "stopping";
    this.endReplacements();
  }

  /**
   * The cluster stops: no process is replaced any more, and requests that
   * wait for a new process fail with `ClosedError`.
   */
  endReplacements(): void {
    this.#requester.replacements.end();
  }

  /**
   * Learns, as it starts, which siblings start with it (with the cluster):
   * messages to one that does not listen yet are held until it does.
   */
  startsWithSiblings(siblings: readonly Address[]): void {
    this.#outbox.siblings?.startsWith(siblings);
  }

  /** The cluster's start is over: nothing is held any more as for a sibling starting with it. */
  siblingsStarted(): void {
    this.#outbox.siblings?.allStarted();
  }

  /** The processes being replaced, as this process knows: requests for them wait. */
  replacing(): Address[] {
    return this.#requester.replacements.list();
  }

  /**
   * In a manager: it stops `address` alone, to restart it (a SIGTERM to
   * it): requests for it wait for the new process, as for a reload.
   */
  stopsAlone(address: Address): void {
    this.#requester.replacements.heard({ type: "reload", address });
  }

  /**
   * Learns, as it starts, which processes are being replaced: it missed
   * what said so (their `reload` events, their `$leaving`).
   */
  startsWhileReplacing(addresses: readonly Address[]): void {
    for (const address of addresses) {
      this.#requester.replacements.heard({ type: "reload", address });
      this.#toldReplacing.add(address);
    }
  }

  /**
   * From now on, answers each new request it gets with a refusal that
   * carries the request back, to be sent to another worker; requests it
   * took are still answered. For a process that stops while the cluster
   * goes on. Every peer connected now, or heard from later, is told
   * (`$leaving`): see {@linkcode Router.peersLeft}.
   */
  refuseIncomingRequests(): void {
    this.#stoppingAlone.start(this.connected());
  }

  /** Whether this process refuses new requests: it stops alone. */
  get refusing(): boolean {
    return this.#stoppingAlone.started;
  }

  /**
   * Resolves once every peer told `$leaving` so far has every request it
   * sent before in (it answered `$left`), or is gone.
   */
  peersLeft(): Promise<void> {
    return this.#stoppingAlone.settled();
  }

  /** Learns of a lifecycle event, then tells the listeners. */
  lifecycle(event: LifecycleEvent): void {
    this.#outbox.siblings?.started(event.address);
    this.#requester.heard(event);
    if (event.type === "fatal" || (event.type === "exit" && !event.restart)) {
      this.#endpoint.noReturn?.(event.address);
    }
    if (event.type === "ready") this.#toldReplacing.delete(event.address);
    // Its process is gone, whatever this process has read of its
    // connections yet: sent on them, a message would count as handed over
    // and be lost, and a request fail as if it may have run. Refused, a
    // message for a process being replaced waits for it. Not what the
    // manager tells a process that started as `address` was being replaced
    // about it, at its `$ready`: it may be connected to the new one by then.
    if (
      (event.type === "exit" || event.type === "fatal") && !this.#toldReplacing.has(event.address)
    ) {
      this.#endpoint.ended?.(event.address);
    }
    this.listeners.lifecycle(event);
  }

  /**
   * In a manager: `child` is about to be told to exit. It stops reading
   * then, so other hosts' requests for it are refused on its behalf from
   * now on, until its next process joins (see {@linkcode Router.answerFor}),
   * and their messages wait for that process (see {@linkcode Endpoint.exiting}).
   */
  exiting(child: Address): void {
    // One that exited already (during its stop work) is gone: its next
    // process, not yet connected, must not be taken for it.
    if (this.connected().includes(child)) this.#endpoint.exiting?.(child);
  }

  /**
   * Refuses every request from now on, as a child stopping alone refuses:
   * at once, `stopping: true`, its data carried back, so that the sender
   * sees it. Messages and answers are still taken.
   */
  refuseAllRequests(): void {
    this.#intake.refuseAll();
  }

  /** Whether other hosts' traffic comes here: a manager's, in a cluster that spans hosts. */
  get readsOtherHosts(): boolean {
    return this.#endpoint.stopReading !== undefined;
  }

  /**
   * Stops reading what other hosts send, once what they sent until the
   * broker heard so is dispatched (see {@linkcode Endpoint.stopReading});
   * answers still go, until {@linkcode Router.close}. At once without
   * other hosts.
   */
  async stopReading(): Promise<void> {
    await this.#endpoint.stopReading?.();
  }

  /**
   * Resolves once the children's answers to other hosts held for room in
   * the window went (see {@linkcode Endpoint.answersHeldSent}).
   */
  async answersHeldSent(): Promise<void> {
    await this.#endpoint.answersHeldSent?.();
  }

  /** The addresses connected now, this process not included. */
  connected(): Address[] {
    return this.#endpoint.connected();
  }

  /**
   * Marks the process ready: the owner is told at once; the messages held
   * so far are dispatched in a later task (the owner's, or the next), after
   * the caller's code that follows, and later ones as they come. Idempotent.
   */
  ready(): void {
    if (this.#state !== "holding") return;
    this.#state = "releasing";
    (this.#options.onReady?.() ?? nextTask()).then(() => {
      if (this.#state === "releasing") this.#state = "ready";
      this.#intake.release();
    });
  }

  /**
   * Sends a control frame to one peer; returns whether the transport took
   * it. One that cannot be sent (over `maxFrameSize`: a layout of very many
   * processes, say) is reported, not thrown: it is sent from deep inside
   * the library, where nobody could catch it.
   */
  sendControl(to: Address, action: string, data?: unknown): boolean {
    return this.#sendControl(to, action, data, Infinity);
  }

  /**
   * Sends a control frame that answers one from `to` (`$left`, `$synced`),
   * within `maxQueuedBytes` for `to` and room for one frame more. A peer
   * makes as many of these as it sends frames: one that sends and never
   * reads had them queued without limit (a 16 MiB `$sync`, echoed, 16 MiB
   * each), until its receiver ran out of memory. Past the limit they are
   * dropped, and that reported once for the connection. The room above
   * `maxQueuedBytes` is for a peer that reads, slowly: what it is sent
   * fills its queue at most to `maxQueuedBytes`, and its `$left` still goes,
   * or a worker being reloaded under load would wait for it until killed.
   *
   * @returns Whether the transport took it.
   */
  answerControl(to: Address, action: string, data?: unknown): boolean {
    const { maxQueuedBytes, maxFrameSize } = this.#options;
    const limit = maxQueuedBytes + maxFrameSize + this.#endpoint.overhead;
    return this.#sendControl(to, action, data, limit);
  }

  #sendControl(to: Address, action: string, data: unknown, limit: number): boolean {
    let payload: Payload;
    try {
      payload = encodeMessage({ action, data }, this.#options.maxFrameSize, to);
    } catch (error) {
      this.listeners.report(asError(error));
      return false;
    }
    // To itself (a request it made to itself: `$cancel`, `$more`), through the loopback.
    const size = to === this.self
      ? this.#loopback.send(payload)
      : this.#endpoint.send(to, payload, limit);
    if (size === FULL && !this.#overflowing.has(to)) {
      this.#overflowing.add(to);
      this.listeners.report(
        new QueueFullError(
          `Cannot send "${action}" to ${describe(to)}: ${
            this.#endpoint.queued(to)
          } bytes are queued for it already, and the limit is ${limit} (maxQueuedBytes and a frame): ` +
            "it sends and does not read, and what answers it is dropped until its connection closes",
          { action, peer: to },
        ),
      );
    }
    return size >= 0;
  }

  /**
   * Sends a message; returns to how many processes it was handed.
   *
   * @throws {QueueFullError} When a target's queue is full; nothing is sent.
   * @throws {FrameError} When the data cannot be encoded or is too large.
   */
  sendMessage(action: string, data: unknown, to?: Target | typeof ANY): number {
    assertUserAction(action);
    if (to !== ANY && to !== undefined) to = this.layout.here(to);
    if (this.#options.schemas) checkOutgoing(this.#options.schemas, action, data, to);
    if (to === ANY) {
      const payload = encodeMessage({ action, data }, this.#options.maxFrameSize, ANY);
      const chosen = this.#outbox.sendToAny(payload, action, (w) => this.#requester.load(w));
      return chosen === undefined ? 0 : 1;
    }
    if (isAddress(to)) {
      const payload = encodeMessage({ action, data }, this.#options.maxFrameSize, to);
      return this.#outbox.send(to, payload, action) >= 0 ? 1 : 0;
    }
    // A process listed twice gets the message once.
    const targets = to === undefined ? this.layout.workerIds : [...new Set(targetsOf(to, action))];
    const payload = encodeMessage({ action, data }, this.#options.maxFrameSize, to);
    if (targets.length === 1) return this.#outbox.send(targets[0], payload, action) >= 0 ? 1 : 0;
    return this.#outbox.sendToAll(targets, payload, action);
  }

  /**
   * Sends a request and resolves with the data of its response (see
   * {@linkcode Requester.request}).
   */
  request(action: string, data: unknown, options: RequestOptions): Promise<unknown> {
    return this.#requester.request(action, data, this.#here(options));
  }

  /** Sends a request for a streamed answer (see {@linkcode Requester.requestStream}). */
  requestStream(
    action: string,
    data: unknown,
    options: RequestOptions,
  ): AsyncGenerator<unknown, void, undefined> {
    return this.#requester.requestStream(action, data, this.#here(options));
  }

  /** Asks many targets (see {@linkcode Requester.requestAll}). */
  requestAll(
    action: string,
    data: unknown,
    options?: RequestAllOptions,
  ): Promise<Settled<unknown>[]> {
    return this.#requester.requestAll(action, data, options && this.#here(options));
  }

  /** `options` with `to` as this process sends to it (see {@linkcode Layout.here}). */
  #here<O extends { to?: Target | typeof ANY }>(options: O): O {
    const to = options?.to;
    if (to === undefined || to === ANY) return options;
    const here = this.layout.here(to);
    return here === to ? options : { ...options, to: here };
  }

  /** See {@linkcode Replier.drainFor}. */
  drainFor(to: Address): Promise<void> | undefined {
    const queued = to === this.self ? this.#loopback.queued : this.#endpoint.queued(to);
    // No promise made per part while the queue is low.
    return queued > this.#options.highWaterMark ? this.#drainedTo(to) : undefined;
  }

  /**
   * Resolves once at most the high-water mark is queued for `to` (or held
   * for it, a sibling that does not listen yet).
   */
  async #drainedTo(to: Address): Promise<void> {
    const { highWaterMark } = this.#options;
    if (to === this.self) return await this.#loopback.drained(highWaterMark);
    await this.#sentOn(highWaterMark, to);
  }

  /**
   * Resolves once at most `limit` bytes are held or queued for `to`
   * (default: for each peer). Again while more is held: a connection that
   * closed before it opened gives back what it carried, held then for the
   * peer's next process.
   */
  async #sentOn(limit: number, to?: Address): Promise<void> {
    const holds = this.#outbox.siblings;
    do {
      await holds?.drained(limit, to);
      await this.#endpoint.drained(limit, to);
    } while (holds?.isOver(limit, to));
  }

  /** Resolves once the queues to `to` (default: every peer) are at most the high-water mark. */
  async drain(to?: Target): Promise<void> {
    if (to === undefined) return await this.#drained(this.#options.highWaterMark);
    const targets = targetsOf(this.layout.here(to), "drain", "drain the queues to");
    await Promise.all(targets.map((target) => this.#drainedTo(target)));
  }

  /**
   * Resolves once everything sent so far is handed on: every queue empty,
   * nothing held for siblings that do not listen yet, connections still
   * opening opened (or failed), messages to itself dispatched.
   */
  flushed(): Promise<void> {
    return this.#drained(0);
  }

  /** Resolves once at most `limit` bytes are queued (or held) for each peer. */
  async #drained(limit: number): Promise<void> {
    await Promise.all([this.#sentOn(limit), this.#loopback.drained(limit)]);
  }

  /** The traffic and the open work, for `stats()`. */
  stats(): PeerStats {
    return {
      id: this.self,
      pendingRequests: this.#requester.pending.size,
      openStreams: this.#requester.streams.size,
      handlersRunning: this.#dispatcher.handlersRunning,
      connections: this.#endpoint.connections(),
    };
  }

  /**
   * Resolves once no handler's promise is still running, those that start
   * meanwhile included (see {@linkcode Dispatcher.handlersSettled}).
   */
  handlersSettled(): Promise<void> {
    return this.#dispatcher.handlersSettled();
  }

  /** Resolves once the handlers running now have settled; those that start later are not awaited. */
  runningHandlersSettled(): Promise<void> {
    return this.#dispatcher.runningHandlersSettled();
  }

  /**
   * Answers a received message (see {@linkcode ReceivedMessage.reply}). The
   * endpoint sends it on the connection it sends everything else to the
   * sender on, so that it keeps its place among them.
   */
  replyTo(to: ReceivedMessage, reply: WireMessage): boolean {
    if (to.isRequest) {
      // Its requester is gone: the answer would go to nobody, or to a
      // process that never asked (the next one at that address). Or its
      // timeout passed, when the requester stops waiting: sent as this
      // process's timer fired a little before the requester's, it would
      // fail the request as a RemoteError, not the requester's TimeoutError.
      if (to.incoming?.requesterGone || to.incoming?.timedOut) {
        to.incoming.settle();
        return false;
      }
      reply.messageId = to.messageId;
      reply.re = true;
    }
    // The end of a streamed answer carries no data to check: its parts did.
    const streamEnd = to.stream !== undefined && reply.part !== true && reply.data === undefined;
    if (this.#options.schemas && reply.error === undefined && !streamEnd) {
      checkOutgoing(this.#options.schemas, reply.action, reply.data, to.from);
    }
    const payload = encodeMessage(reply, this.#options.maxFrameSize, to.from);
    // Answered once the answer can go: one that failed its schema or could
    // not be encoded was not, and what answers it may still fail it.
    if (to.isRequest && reply.part !== true) to.incoming?.settle();
    // A reply by hand too goes to the process that sent the message, not to its next one.
    return this.#outbox.sendAnswer(to.from, payload, reply.action) >= 0;
  }

  /**
   * Closes the endpoint and rejects every open request; `reason` becomes
   * their `cause`. Queued payloads are still written, and what peers sent
   * before they saw the close is still dispatched. Idempotent.
   */
  close(reason?: Error): Promise<void> {
    this.#closing ??= this.#shutDown(reason);
    return this.#closing;
  }

  async #shutDown(reason: Error | undefined): Promise<void> {
    this.#state = "closing";
    this.#outbox.siblings?.close();
    this.#requester.close(reason);
    this.#incoming.abortAll();
    this.#loopback.close();
    this.#endpoint.close();
    // What it sent itself before it closed is dispatched, as a peer's is.
    await Promise.all([this.#endpoint.closed, this.#loopback.drained(0)]);
    this.#state = "closed";
    this.#intake.dropHeld();
  }

  /** Takes payloads from the endpoint (see {@linkcode Intake.deliver}). */
  deliver(from: Address, payloads: readonly Uint8Array[]): void {
    this.#intake.deliver(from, payloads);
  }

  /**
   * Refuses, on behalf of this manager's child `to`, another host's request
   * for it that it will not take (see {@linkcode Intake.answerFor}).
   */
  answerFor(
    to: Address,
    from: Address,
    payload: Uint8Array,
    exiting: boolean,
  ): Payload | undefined {
    return this.#intake.answerFor(to, from, payload, exiting);
  }

  /**
   * Resolves once no connection to a process that `matches` is open (at
   * once if none is): it read everything each sent it before its close.
   */
  connectionsClosed(matches: (peer: Address) => boolean): Promise<void> {
    const closed = () => !this.connected().some(matches);
    if (closed()) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#closingWaiters.push({ closed, resolve });
    return promise;
  }

  /** Hears from the endpoint that a connection closed (see {@linkcode Receiver.gone}). */
  gone(peer: Address, reason: Error | undefined, last: LastSent = {}): void {
    this.#overflowing.delete(peer);
    this.#outbox.siblings?.started(peer);
    if (last.unsent) this.#sendAgain(peer, last.unsent);
    this.#requester.gone(peer, reason, last);
    this.#incoming.gone(peer, last.there);
    this.#closingWaiters = this.#closingWaiters.filter((waiter) => {
      if (!waiter.closed()) return true;
      waiter.resolve();
      return false;
    });
    if (last.there) return;
    this.#stoppingAlone.left(peer);
    this.#options.onGone?.(peer, reason);
  }

  /**
   * Messages a connection to `peer` never carried (it closed before the
   * welcome): held for its next process, if it is being replaced, else
   * reported lost. Only a child dials, and a child holds. Requests among
   * them are the requester's (sent again, or failed, as
   * `LastSent.undelivered` says); answers and control frames were for the
   * process that is gone.
   */
  #sendAgain(peer: Address, unsent: readonly Uint8Array[]): void {
    const messages: [Uint8Array, string][] = [];
    for (const payload of unsent) {
      let message: WireMessage;
      try {
        message = decodeMessage(payload, describe(this.self));
      } catch {
        continue; // This process encoded it: never so.
      }
      const { action, messageId } = message;
      if (messageId === undefined && !action.startsWith(CONTROL_PREFIX)) {
        messages.push([payload, action]);
      }
    }
    if (messages.length > 0) {
      this.#outbox.siblings?.holdForNext(
        peer,
        messages,
        "the connection to it closed before it opened",
      );
    }
  }

  joined(child: Address): void {
    this.#options.onJoined?.(child);
  }
}
