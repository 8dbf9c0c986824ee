/**
 * The router: one per process. It owns the connections to the other
 * processes (links), turns their frames into messages for the listeners,
 * and turns sends, replies and requests into frames.
 *
 * Data flows one way through it: frame → decoded message → (pending request,
 * handler, listeners, catch-all); and call → encoded frame → link. It is
 * untyped; {@linkcode Peer} puts the protocol's types on top.
 *
 * @module
 */

import { type Address, describe, isAddress, type Target, targetsOf } from "./address.ts";
import { assertUserAction, CONTROL_PREFIX, responseAction } from "./action.ts";
import { decodeMessage, encodeMessage, toBytes, toWireError, type WireMessage } from "./codec.ts";
import {
  ClosedError,
  FrameError,
  NoHandlerError,
  QueueFullError,
  SwitchboardError,
  TimeoutError,
  UnreachableError,
} from "./errors.ts";
import { HEADER_SIZE } from "./frame.ts";
import type { Layout } from "./layout.ts";
import { Link } from "./link.ts";
import { Listeners, type RequestHandler } from "./listeners.ts";
import { LoopbackConnection } from "./loopback.ts";
import { linkOf, ReceivedMessage } from "./message.ts";
import { nextTask } from "./next_task.ts";
import { PendingRequests, TIMED_OUT } from "./pending.ts";
import { type Connection, FULL, type Payload } from "./transport.ts";
import { randomBase64url } from "./random.ts";
import type { PeerStats, RequestAllOptions, RequestOptions, Settled } from "./types.ts";

/** How long closing waits for queued messages to be written, in ms. */
const CLOSE_TIMEOUT = 2_000;

/** What the owner of a router (manager or child) tells it. */
export interface RouterOptions {
  /** This process's address. */
  self: Address;
  /** The cluster's processes. */
  layout: Layout;
  /** The largest frame to send or accept. */
  maxFrameSize: number;
  /** The default request timeout, in ms. */
  requestTimeout: number;
  /** Queued bytes per peer above which `drain()` waits. */
  highWaterMark: number;
  /** Queued bytes per peer above which sends are refused. */
  maxQueuedBytes: number;
  /** Handles `$` control frames, and every frame of a link not yet named. */
  onControl(link: Link, message: WireMessage): void;
  /** Handles a bad frame from a link not yet named (default: drop and report). */
  onStrangerError?(link: Link, error: FrameError): void;
  /** Told when a link with an address has closed. */
  onLinkClosed?(address: Address, reason: Error | undefined): void;
  /**
   * Told once, when the process becomes ready for messages. It may return
   * a promise that settles in a later task, after which the held messages
   * are dispatched (by default: the next task).
   */
  onReady?(): Promise<void> | void;
  /**
   * Opens a link to `address` for a message to go there when none is open
   * (children connect to each other on first use), or returns undefined
   * when it cannot be reached now. The link must already be attached.
   */
  dial?(address: Address): Link | undefined;
}

/** Routes one process's messages. */
export class Router {
  /** This process's address. */
  readonly self: Address;
  /** The cluster's processes. */
  readonly layout: Layout;
  /** The largest frame to send or accept. */
  readonly maxFrameSize: number;
  /** The default request timeout, in ms. */
  readonly requestTimeout: number;
  /** What this process listens with. */
  readonly listeners: Listeners;
  readonly #options: RouterOptions;
  /** The link to send on, by address. */
  readonly #links = new Map<Address, Link>();
  /**
   * Further links to an address that has one: when two processes dialed
   * each other at once. Each carries what its dialer sends; this process
   * reads them but sends on its link in `#links` only, and a spare takes
   * over if that one closes.
   */
  readonly #spares = new Set<Link>();
  readonly #loopback: Link;
  readonly #pumps = new Set<Promise<void>>();
  readonly #unbound = new Set<Link>();
  readonly #pending = new PendingRequests();
  /** Messages that arrived before the process was ready; null once ready. */
  #held: [Link, WireMessage][] | null = [];
  /**
   * Makes messageIds unique across the cluster without coordination; made
   * on first use, as the random source costs a new process time to start.
   */
  #idPrefix: string | undefined;
  #nextId = 0;
  #handlersRunning = 0;
  #handlersSettled: PromiseWithResolvers<void> | undefined;
  #closing: Promise<void> | undefined;
  #stopping = false;
  #readying = false;

  constructor(options: RouterOptions) {
    this.self = options.self;
    this.layout = options.layout;
    this.maxFrameSize = options.maxFrameSize;
    this.requestTimeout = options.requestTimeout;
    this.listeners = new Listeners(options.self);
    this.#options = options;
    this.#loopback = new Link(new LoopbackConnection(), options.self);
    this.#pump(this.#loopback);
  }

  /** Whether {@linkcode close} was called. */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * From now on, refuses new requests with `ClosedError`; requests already
   * sent may still be answered. For a graceful stop.
   */
  refuseNewRequests(): void {
    this.#stopping = true;
  }

  /** The addresses with an open link, this process not included. */
  connected(): Address[] {
    return [...this.#links.keys()];
  }

  /** Adopts a connection and starts reading it. */
  attach(connection: Connection, address?: Address): Link {
    const link = new Link(connection);
    if (this.#closing) {
      connection.close();
    } else if (address === undefined) {
      this.#unbound.add(link);
    } else {
      this.bind(link, address);
    }
    this.#pump(link);
    return link;
  }

  /**
   * Names the process at the other end of `link`. If the address has a
   * link already (it dialed us as we dialed it), that one stays the link
   * to send on and this one becomes a spare.
   */
  bind(link: Link, address: Address): void {
    this.#unbound.delete(link);
    link.address = address;
    link.connection.maxFrameSize = this.maxFrameSize;
    const current = this.#links.get(address);
    if (current === undefined) this.#links.set(address, link);
    else if (current !== link) this.#spares.add(link);
  }

  /** The link to `address`, this process's own included. */
  link(address: Address): Link | undefined {
    return this.#linkTo(address);
  }

  /** Closes a link that broke the protocol, and reports `error`, if given. */
  drop(link: Link, error?: FrameError): void {
    link.dropped = true;
    link.connection.close(error);
    // Left out by a caller that reports in its own way (the gate, rate-limited).
    if (error) this.listeners.report(error);
  }

  /** Sends a control frame on one link. */
  sendControl(link: Link, action: string, data?: unknown): boolean {
    return link.send(encodeMessage({ action, data }, this.maxFrameSize, link.address)) >= 0;
  }

  /**
   * Marks the process ready: the owner is told at once; the messages held
   * so far are dispatched in a later task (the owner's, or the next), after
   * the caller's code that follows, and later ones as they come. Idempotent.
   */
  ready(): void {
    if (this.#held === null || this.#readying || this.#closing) return;
    this.#readying = true;
    (this.#options.onReady?.() ?? nextTask()).then(() => {
      const held = this.#held;
      this.#held = null;
      for (const [link, message] of held ?? []) this.#dispatch(link, message);
    });
  }

  /**
   * Sends a message; returns to how many processes it was handed.
   *
   * @throws {QueueFullError} When a target's queue is full; nothing is sent.
   */
  sendMessage(action: string, data: unknown, to?: Target): number {
    assertUserAction(action);
    if (isAddress(to)) {
      const payload = encodeMessage({ action, data }, this.maxFrameSize, to);
      const link = this.#sendLink(to);
      return link && this.#send(link, payload, action) >= 0 ? 1 : 0;
    }
    // A process listed twice gets the message once.
    const targets = to === undefined ? this.layout.workerIds : [...new Set(targetsOf(to, action))];
    const payload = encodeMessage({ action, data }, this.maxFrameSize, to);
    if (targets.length === 1) {
      const link = this.#sendLink(targets[0]);
      return link && this.#send(link, payload, action) >= 0 ? 1 : 0;
    }
    // To several, encoded to bytes once, whatever their number; and sent
    // to all or, when one's queue is full, to none.
    const bytes = toBytes(payload);
    const links: Link[] = [];
    for (const target of targets) {
      const link = this.#sendLink(target);
      if (!link) continue;
      const queued = link.connection.bufferedBytes;
      if (queued + HEADER_SIZE + bytes.length > this.#options.maxQueuedBytes) {
        throw this.#queueFull(link, action, queued);
      }
      links.push(link);
    }
    let handed = 0;
    for (const link of links) if (link.send(bytes) >= 0) handed++;
    return handed;
  }

  /** Sends a request and resolves with the data of its response. */
  async request(action: string, data: unknown, options: RequestOptions): Promise<unknown> {
    const timeout = options?.timeout ?? this.requestTimeout;
    assertUserAction(action);
    if (options?.to === undefined) {
      throw new TypeError(`Request "${action}" needs a target: pass { to }`);
    }
    const { to, signal } = options;
    if (Array.isArray(to)) {
      throw new TypeError(`Request "${action}" takes one target; use requestAll() for several`);
    }
    if (!isAddress(to)) targetsOf(to, action);
    if (typeof timeout !== "number" || !(timeout >= 0)) {
      throw new TypeError(`Request "${action}" has an invalid timeout: ${timeout}`);
    }
    if (signal?.aborted) throw signal.reason;
    if (this.#closing) throw this.#closedError(action, to, undefined);
    if (this.#stopping) throw this.#closedError(action, to, undefined, "is stopping");
    this.#idPrefix ??= `${randomBase64url(6)}.`;
    const messageId = `${this.#idPrefix}${(this.#nextId++).toString(36)}`;
    const payload = encodeMessage({ action, data, messageId }, this.maxFrameSize, to);
    const link = this.#sendLink(to);
    if (!link || this.#send(link, payload, action) < 0) throw this.#unreachable(action, to);
    // Opened after sending: the answer comes in a later task at the earliest.
    const answer = this.#pending.open(messageId, {
      action,
      responseAction: responseAction(action),
      target: to,
      timeout,
      signal,
    });
    try {
      return await answer;
    } catch (error) {
      // Made here, after the await, so that its stack shows who asked.
      if (error === TIMED_OUT) {
        throw new TimeoutError(
          `Request "${action}" to ${describe(to)} timed out after ${timeout} ms`,
        );
      }
      throw error;
    }
  }

  /** Asks many targets; resolves with each one's answer or error, in order. */
  requestAll(
    action: string,
    data: unknown,
    options: RequestAllOptions = {},
  ): Promise<Settled<unknown>[]> {
    let targets: readonly Address[];
    try {
      assertUserAction(action);
      targets = options.to === undefined ? this.layout.workerIds : targetsOf(options.to, action);
    } catch (error) {
      return Promise.reject(error);
    }
    const { timeout, signal } = options;
    return Promise.all(targets.map((to) =>
      this.request(action, data, { to, timeout, signal }).then(
        (data) => ({ from: to, data }),
        (error: Error) => ({ from: to, error }),
      )
    ));
  }

  /** Resolves once the queues to `to` (default: every peer) are at most the high-water mark. */
  async drain(to?: Target): Promise<void> {
    const links = to === undefined
      ? [...this.#links.values(), ...this.#spares, this.#loopback]
      : targetsOf(to, "drain").map((target) => this.#linkTo(target));
    await Promise.all(
      links.map((link) => link?.connection.drained(this.#options.highWaterMark)),
    );
  }

  /** The traffic and the open work, for `stats()`. */
  stats(): PeerStats {
    return {
      id: this.self,
      pendingRequests: this.#pending.size,
      handlersRunning: this.#handlersRunning,
      connections: [...this.#links.values(), ...this.#spares].map((link) => link.stats()),
    };
  }

  /** Resolves once no handler's promise is still running. */
  handlersSettled(): Promise<void> {
    if (this.#handlersRunning === 0) return Promise.resolve();
    this.#handlersSettled ??= Promise.withResolvers<void>();
    return this.#handlersSettled.promise;
  }

  /**
   * Answers a received message (see {@linkcode ReceivedMessage.reply}): on
   * the link this process sends to the sender on, so that everything it
   * sends to one process stays in order even when two links join them; on
   * the link the message came on when it has no other.
   */
  replyTo(link: Link, to: ReceivedMessage, reply: WireMessage): boolean {
    if (to.isRequest) {
      reply.messageId = to.messageId;
      reply.re = true;
    }
    const payload = encodeMessage(reply, this.maxFrameSize, link.address);
    const via = (link.address !== undefined && this.#linkTo(link.address)) || link;
    return this.#send(via, payload, reply.action) >= 0;
  }

  /** How many links join this process to `address`: 0, 1, or 2 when both dialed. */
  linkCount(address: Address): number {
    let count = this.#links.has(address) ? 1 : 0;
    for (const spare of this.#spares) if (spare.address === address) count++;
    return count;
  }

  /**
   * Closes every link and rejects every open request; `reason` becomes
   * their `cause`. Queued frames are still written. Idempotent.
   */
  close(reason?: Error): Promise<void> {
    this.#closing ??= this.#shutDown(reason);
    return this.#closing;
  }

  async #shutDown(reason: Error | undefined): Promise<void> {
    this.#held = null;
    this.#pending.failAll((spec) => this.#closedError(spec.action, spec.target, reason));
    this.#pending.close();
    const links = [this.#loopback, ...this.#links.values(), ...this.#spares, ...this.#unbound];
    for (const link of links) link.connection.close();
    // A peer that stopped reading would keep queued bytes, and us, forever.
    const giveUp = setTimeout(() => {
      for (const link of links) {
        link.connection.close(
          new ClosedError(
            `Closed the connection to ${link.name} with ${link.connection.bufferedBytes} bytes unsent: it stopped reading`,
          ),
        );
      }
    }, CLOSE_TIMEOUT);
    while (this.#pumps.size > 0) await Promise.all(this.#pumps);
    clearTimeout(giveUp);
  }

  #pump(link: Link): void {
    const pump = this.#read(link).finally(() => this.#pumps.delete(pump));
    this.#pumps.add(pump);
  }

  async #read(link: Link): Promise<void> {
    link.connection.receive((frames) => {
      for (const frame of frames) {
        link.received(frame);
        try {
          this.#receive(link, frame);
        } catch (error) {
          // Not a peer's fault: a bug here. Say so, and drop only this link.
          this.listeners.report(error instanceof Error ? error : new Error(String(error)));
          link.dropped = true;
          link.connection.close(error instanceof Error ? error : undefined);
        }
        if (link.dropped) return;
      }
    });
    const reason = await link.connection.closed;
    if (reason instanceof FrameError && !link.dropped) {
      this.#badFrame(
        link,
        new FrameError(`Bad frame from ${link.name}: ${reason.message}`, { cause: reason }),
      );
    }
    this.#unbound.delete(link);
    const address = link.address;
    if (address === undefined) return;
    // Requests to the address went out on one of its links and their
    // answers come back on another when there are two: either may be lost.
    if (this.#spares.delete(link)) return this.#failRequestsTo(address, reason);
    if (this.#links.get(address) !== link) return;
    this.#links.delete(address);
    this.#failRequestsTo(address, reason);
    const spare = [...this.#spares].find((other) => other.address === address);
    if (spare) {
      this.#spares.delete(spare);
      this.#links.set(address, spare);
      return;
    }
    this.#options.onLinkClosed?.(address, reason);
  }

  #receive(link: Link, frame: Uint8Array): void {
    let message: WireMessage;
    try {
      message = decodeMessage(frame, link);
    } catch (error) {
      this.#badFrame(link, error as FrameError);
      return;
    }
    // Until a link is named by its handshake, all it says goes to the owner.
    if (link.address === undefined || message.action.startsWith(CONTROL_PREFIX)) {
      this.#options.onControl(link, message);
      return;
    }
    // Once closing, nobody listens any more.
    if (this.#closing) return;
    // Answers settle requests at once, even while listeners are not ready.
    if (this.#pending.size > 0) this.#pending.answer(message, link.address);
    if (this.#held) this.#held.push([link, message]);
    else this.#dispatch(link, message);
  }

  #badFrame(link: Link, error: FrameError): void {
    if (link.address === undefined && this.#options.onStrangerError) {
      this.#options.onStrangerError(link, error);
    } else {
      this.drop(link, error);
    }
  }

  #dispatch(link: Link, message: WireMessage): void {
    // A failed response has no data for listeners; it only settles a request.
    if (message.error !== undefined) return;
    const isRequest = message.messageId !== undefined && message.re !== true;
    const handler = this.listeners.handlerFor(message.action);
    const listeners = this.listeners.forAction(message.action);
    const anyListeners = this.listeners.any;
    // Nobody to tell, nothing to answer: e.g. a response its request took.
    if (!handler && !listeners && anyListeners.length === 0 && !isRequest) return;
    const received = new ReceivedMessage(this, link, message, isRequest);
    if (handler) this.#runHandler(handler, received);
    if (listeners) {
      for (const listener of listeners) {
        try {
          listener(received.data, received);
        } catch (error) {
          this.#reportListenerError(received, error);
        }
      }
    }
    for (const listener of anyListeners) {
      try {
        listener(received);
      } catch (error) {
        this.#reportListenerError(received, error);
      }
    }
    if (isRequest && !handler && !listeners && anyListeners.length === 0) {
      this.#replyError(received, {
        name: NoHandlerError.name,
        message: `${describe(this.self)} has no handler for "${message.action}"`,
      });
    }
  }

  #runHandler(handler: RequestHandler, message: ReceivedMessage): void {
    let result: unknown;
    try {
      result = handler(message.data, message);
    } catch (error) {
      this.#handlerFailed(message, error);
      return;
    }
    if (!isPromiseLike(result)) {
      this.#respond(message, result);
      return;
    }
    this.#handlersRunning++;
    result.then(
      (value) => this.#respond(message, value),
      (error) => this.#handlerFailed(message, error),
    ).then(() => {
      if (--this.#handlersRunning > 0) return;
      this.#handlersSettled?.resolve();
      this.#handlersSettled = undefined;
    });
  }

  #respond(message: ReceivedMessage, value: unknown): void {
    if (!message.isRequest) return;
    try {
      message.reply(responseAction(message.action), value);
    } catch (error) {
      // The result could not be encoded: tell the requester instead of
      // letting it time out.
      this.#handlerFailed(message, error);
    }
  }

  #handlerFailed(message: ReceivedMessage, error: unknown): void {
    if (message.isRequest) this.#replyError(message, toWireError(error));
    else this.#reportListenerError(message, error);
  }

  #replyError(to: ReceivedMessage, error: WireMessage["error"]): void {
    try {
      this.replyTo(linkOf(to), to, { action: responseAction(to.action), error });
    } catch (thrown) {
      this.listeners.report(thrown as Error);
    }
  }

  #reportListenerError(message: ReceivedMessage, thrown: unknown): void {
    const { message: text } = toWireError(thrown);
    this.listeners.report(
      new SwitchboardError(
        `A listener for "${message.action}" from ${describe(message.from)} threw: ${text}`,
        { cause: thrown },
      ),
    );
  }

  /**
   * Sends on one link, within `maxQueuedBytes`.
   *
   * @returns The payload's size, or `CLOSED`.
   * @throws {QueueFullError} When the link's queue has no room for it.
   */
  #send(link: Link, payload: Payload, action: string): number {
    const size = link.send(payload, this.#options.maxQueuedBytes);
    if (size === FULL) throw this.#queueFull(link, action, link.connection.bufferedBytes);
    return size;
  }

  #queueFull(link: Link, action: string, queued: number): QueueFullError {
    return new QueueFullError(
      `Cannot send "${action}" to ${link.name}: ${queued} bytes are queued for it already, and the limit is ${this.#options.maxQueuedBytes} (maxQueuedBytes); await drain() first`,
    );
  }

  #linkTo(address: Address): Link | undefined {
    return address === this.self ? this.#loopback : this.#links.get(address);
  }

  /** The link to send to `address` on, dialed now if there is none. */
  #sendLink(address: Address): Link | undefined {
    return this.#linkTo(address) ??
      (this.#closing || !this.layout.has(address) ? undefined : this.#options.dial?.(address));
  }

  #failRequestsTo(address: Address, reason: Error | undefined): void {
    this.#pending.failTarget(
      address,
      (spec) =>
        new UnreachableError(
          `Request "${spec.action}" to ${
            describe(address)
          } failed: the connection closed before it answered`,
          reason === undefined ? undefined : { cause: reason },
        ),
    );
  }

  #unreachable(action: string, to: Address): UnreachableError {
    const why = this.layout.has(to)
      ? "it is not connected"
      : `no such process (the cluster has ${this.layout})`;
    return new UnreachableError(`Request "${action}" to ${describe(to)} failed: ${why}`);
  }

  #closedError(
    action: string,
    to: Address,
    reason: Error | undefined,
    why: "closed" | "is stopping" = "closed",
  ): ClosedError {
    return new ClosedError(
      `Request "${action}" to ${describe(to)} was cancelled: ${describe(this.self)} ${why}`,
      reason === undefined ? undefined : { cause: reason },
    );
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
