/**
 * The router: one per process, on top of its transport endpoint. It puts
 * together the parts of the way out and the way in, and keeps what ties
 * them: the process's state (`router_state.ts`), its readiness, its stop,
 * and the connections' comings and goings. On the way out, messages and
 * answers go through its {@linkcode MessageSender}, requests through its
 * {@linkcode Requester}, control frames through its {@linkcode ControlSender},
 * all to its {@linkcode Outbox}, and its {@linkcode QueueDrains} wait for
 * the queues; {@linkcode PeerLives} keeps what it knows of its peers'
 * starts, replacements and ends. On the way in, its {@linkcode Intake}
 * turns the payloads the endpoint delivers into messages.
 *
 * Data flows one way through it: payload → intake → (control, pending
 * request, dispatcher); and call → encoded payload → endpoint. It is
 * untyped; {@linkcode Peer} puts the protocol's types on top.
 *
 * @module
 */

import type { Lending } from "./lending.ts";
import type { Address, ANY, Target } from "./address.ts";
import { asError } from "./as_error.ts";
import { type Clock, SYSTEM_CLOCK } from "./clock.ts";
import type { WireMessage } from "./codec.ts";
import { type ControlTable, LEAVING } from "./control.ts";
import { ControlFrames } from "./control_frames.ts";
import { ControlSender } from "./control_sender.ts";
import { Dispatcher } from "./dispatch.ts";
import { IncomingRequests } from "./incoming.ts";
import { Intake } from "./intake.ts";
import type { Layout } from "./layout.ts";
import { Listeners } from "./listeners.ts";
import { Loopback } from "./loopback.ts";
import type { ReceivedMessage } from "./message.ts";
import { MessageSender } from "./message_sender.ts";
import { nextTask } from "./next_task.ts";
import { Outbox } from "./outbox.ts";
import { PeerLives } from "./peer_lives.ts";
import { QueueDrains } from "./queue_drains.ts";
import { Requester } from "./requester.ts";
import { refusalIn, type RouterState } from "./router_state.ts";
import { StoppingAlone } from "./stopping_alone.ts";
import type { Schemas } from "./schema.ts";
import type { Endpoint, LastSent, Payload, Receiver } from "./transport.ts";
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
  #closing: Promise<void> | undefined;
  /** Sends control frames, and reports those dropped. */
  readonly #controlSender: ControlSender;
  /** Sends messages and answers. */
  readonly #messageSender: MessageSender;
  /** Waits for the queues to drain. */
  readonly #drains: QueueDrains;
  /** What this process knows of its peers' starts, replacements and ends. */
  readonly #peerLives: PeerLives;

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
    this.#controlSender = new ControlSender({
      endpoint: this.#endpoint,
      loopback: this.#loopback,
      maxFrameSize: options.maxFrameSize,
      maxQueuedBytes: options.maxQueuedBytes,
      report: (error) => this.listeners.report(error),
    });
    this.#drains = new QueueDrains(
      this.#endpoint,
      this.#loopback,
      this.#outbox,
      options.highWaterMark,
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
    this.#messageSender = new MessageSender({
      outbox: this.#outbox,
      maxFrameSize: options.maxFrameSize,
      schemas: options.schemas,
      load: (worker) => this.#requester.load(worker),
    });
    this.#peerLives = new PeerLives({
      endpoint: this.#endpoint,
      outbox: this.#outbox,
      requester: this.#requester,
      holdsForSiblings: options.syncWithManager !== undefined,
      report: (error) => this.listeners.report(error),
    });
    const controlFrames = new ControlFrames({
      incoming: this.#incoming,
      requester: this.#requester,
      stoppingAlone: this.#stoppingAlone,
      answerControl: (to, action, data) => this.answerControl(to, action, data),
      table: options.control,
      left: (peer) => this.#peerLives.left(peer),
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

  /** See {@linkcode PeerLives.endReplacements}. */
  endReplacements(): void {
    this.#peerLives.endReplacements();
  }

  /** See {@linkcode PeerLives.startsWithSiblings}. */
  startsWithSiblings(siblings: readonly Address[]): void {
    this.#peerLives.startsWithSiblings(siblings);
  }

  /** See {@linkcode PeerLives.siblingsStarted}. */
  siblingsStarted(): void {
    this.#peerLives.siblingsStarted();
  }

  /** See {@linkcode PeerLives.replacing}. */
  replacing(): Address[] {
    return this.#peerLives.replacing();
  }

  /** See {@linkcode PeerLives.stopsAlone}. */
  stopsAlone(address: Address): void {
    this.#peerLives.stopsAlone(address);
  }

  /** See {@linkcode PeerLives.startsWhileReplacing}. */
  startsWhileReplacing(addresses: readonly Address[]): void {
    this.#peerLives.startsWhileReplacing(addresses);
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
    this.#peerLives.heard(event);
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

  /** Sends a control frame to one peer (see {@linkcode ControlSender.send}). */
  sendControl(to: Address, action: string, data?: unknown): boolean {
    return this.#controlSender.send(to, action, data);
  }

  /**
   * Sends a control frame to another host's manager; returns the
   * transport's code, and leaves a full window unreported (see
   * {@linkcode ControlSender.sendToManager} and {@linkcode Router.roomFor}).
   */
  sendToManager(to: Address, action: string, data?: unknown): number {
    return this.#controlSender.sendToManager(to, action, data);
  }

  /**
   * Resolves once the queue to `to` (the window to its host, for a process
   * of another host) is at most the high-water mark, or lower, so that the
   * largest frame fits again; or once the way there closed.
   */
  roomFor(to: Address): Promise<void> {
    return this.#endpoint.drained(this.#options.highWaterMark, to);
  }

  /**
   * Sends a control frame that answers one from `to`, within its queue
   * limit (see {@linkcode ControlSender.answer}).
   */
  answerControl(to: Address, action: string, data?: unknown): boolean {
    return this.#controlSender.answer(to, action, data);
  }

  /**
   * Sends a message; returns to how many processes it was handed.
   *
   * @throws {QueueFullError} When a target's queue is full; nothing is sent.
   * @throws {FrameError} When the data cannot be encoded or is too large.
   */
  sendMessage(action: string, data: unknown, to?: Target | typeof ANY, lending?: Lending): number {
    return this.#messageSender.send(action, data, to, lending);
  }

  /**
   * Sends a request and resolves with the data of its response (see
   * {@linkcode Requester.request}).
   */
  request(action: string, data: unknown, options: RequestOptions): Promise<unknown> {
    return this.#requester.request(action, data, this.#messageSender.here(options));
  }

  /** Sends a request for a streamed answer (see {@linkcode Requester.requestStream}). */
  requestStream(
    action: string,
    data: unknown,
    options: RequestOptions,
  ): AsyncGenerator<unknown, void, undefined> {
    return this.#requester.requestStream(action, data, this.#messageSender.here(options));
  }

  /** Asks many targets (see {@linkcode Requester.requestAll}). */
  requestAll(
    action: string,
    data: unknown,
    options?: RequestAllOptions,
  ): Promise<Settled<unknown>[]> {
    return this.#requester.requestAll(
      action,
      data,
      options && this.#messageSender.here(options),
    );
  }

  /** See {@linkcode Replier.drainFor}. */
  drainFor(to: Address): Promise<void> | undefined {
    return this.#drains.drainFor(to);
  }

  /** Resolves once the queues to `to` (default: every peer) are at most the high-water mark. */
  drain(to?: Target): Promise<void> {
    return this.#drains.drain(to);
  }

  /** Resolves once everything sent so far is handed on (see {@linkcode QueueDrains.flushed}). */
  flushed(): Promise<void> {
    return this.#drains.flushed();
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
    return this.#messageSender.reply(to, reply);
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
    this.#peerLives.close();
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
    this.#controlSender.gone(peer);
    this.#peerLives.gone(peer, last.unsent, last.undelivered !== Infinity);
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

  joined(child: Address): void {
    this.#options.onJoined?.(child);
  }
}
