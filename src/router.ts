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

import { type Address, describe, type Target, targetsOf } from "./address.ts";
import { assertUserAction, CONTROL_PREFIX, responseAction } from "./action.ts";
import { decodeMessage, encodeMessage, toWireError, type WireMessage } from "./codec.ts";
import {
  ClosedError,
  FrameError,
  NoHandlerError,
  TimeoutError,
  UnreachableError,
} from "./errors.ts";
import type { Layout } from "./layout.ts";
import { LoopbackConnection } from "./loopback.ts";
import { PendingRequests, TIMED_OUT } from "./pending.ts";
import type { Connection } from "./transport.ts";

/** A connection to one other process, known by address once it said hello. */
export class Link {
  /** Who is at the other end; undefined until the handshake names them. */
  address: Address | undefined;
  /** Set when the link was closed for breaking the protocol. */
  dropped = false;
  /** The transport connection. */
  readonly connection: Connection;

  constructor(connection: Connection, address?: Address) {
    this.connection = connection;
    this.address = address;
  }

  /** Names the other end for messages. */
  get name(): string {
    return this.address === undefined ? "an unidentified peer" : describe(this.address);
  }
}

/** Reads the link a message came on; only this module can. */
let linkOf: (message: ReceivedMessage) => Link;

/** A message as listeners receive it. */
export class ReceivedMessage {
  /** The action. */
  readonly action: string;
  /** The data. */
  readonly data: unknown;
  /** The sender's address. */
  readonly from: Address;
  /** The request's id, when the message is a request or a response. */
  readonly messageId: string | undefined;
  readonly #router: Router;
  readonly #link: Link;
  readonly #isRequest: boolean;

  constructor(router: Router, link: Link, message: WireMessage, isRequest: boolean) {
    this.action = message.action;
    this.data = message.data;
    this.from = link.address!;
    this.messageId = message.messageId;
    this.#router = router;
    this.#link = link;
    this.#isRequest = isRequest;
  }

  static {
    linkOf = (message) => message.#link;
  }

  /** Whether the sender waits for a response (it sent a messageId). */
  get isRequest(): boolean {
    return this.#isRequest;
  }

  /**
   * Answers the sender on the connection the message came on; to a request,
   * the answer carries its messageId back.
   */
  reply(action: string, data: unknown): boolean {
    assertUserAction(action);
    return this.#router.replyTo(this.#link, this, { action, data });
  }
}

/** A listener for one action. */
export type ActionListener = (data: unknown, message: ReceivedMessage) => void;
/** The handler that answers requests for one action. */
export type RequestHandler = (data: unknown, message: ReceivedMessage) => unknown;
/** A listener for every message. */
export type AnyListener = (message: ReceivedMessage) => void;
/** A listener for errors no caller could be given. */
export type ErrorListener = (error: Error) => void;

/** Options of a request. */
export interface RequestOptions {
  /** Who to ask. */
  to: Address;
  /** How long to wait for the answer, in ms. */
  timeout?: number;
  /** Cancels the request with the signal's reason. */
  signal?: AbortSignal;
}

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
  /** Handles `$` control frames: handshakes, readiness, stop. */
  onControl(link: Link, message: WireMessage): void;
  /** Told when a link with an address has closed. */
  onLinkClosed?(address: Address, reason: Error | undefined): void;
  /** Told once, when the process becomes ready for messages. */
  onReady?(): void;
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
  readonly #options: RouterOptions;
  readonly #links = new Map<Address, Link>();
  readonly #loopback: Link;
  readonly #pumps = new Set<Promise<void>>();
  readonly #unbound = new Set<Link>();
  readonly #listeners = new Map<string, ActionListener[]>();
  readonly #handlers = new Map<string, RequestHandler>();
  #anyListeners: AnyListener[] = [];
  #errorListeners: ErrorListener[] = [];
  readonly #pending = new PendingRequests();
  /** Messages that arrived before the process was ready; null once ready. */
  #held: [Link, WireMessage][] | null = [];
  readonly #idPrefix = randomPrefix();
  #nextId = 0;
  #closing: Promise<void> | undefined;

  constructor(options: RouterOptions) {
    this.self = options.self;
    this.layout = options.layout;
    this.maxFrameSize = options.maxFrameSize;
    this.requestTimeout = options.requestTimeout;
    this.#options = options;
    this.#loopback = new Link(new LoopbackConnection(), options.self);
    this.#pump(this.#loopback);
  }

  /** Whether {@linkcode close} was called. */
  get closing(): boolean {
    return this.#closing !== undefined;
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
   * Names the process at the other end of `link`. A link the address had
   * before is closed: that process restarted, or reconnected.
   */
  bind(link: Link, address: Address): void {
    this.#unbound.delete(link);
    link.address = address;
    link.connection.maxFrameSize = this.maxFrameSize;
    const previous = this.#links.get(address);
    this.#links.set(address, link);
    if (previous && previous !== link) {
      previous.connection.close();
      this.#failRequestsTo(address, undefined);
    }
  }

  /** The link to `address`, this process's own included. */
  link(address: Address): Link | undefined {
    return this.#linkTo(address);
  }

  /** Closes a link that broke the protocol, and reports why. */
  drop(link: Link, error: FrameError): void {
    link.dropped = true;
    link.connection.close(error);
    this.report(error);
  }

  /** Sends a control frame on one link. */
  sendControl(link: Link, action: string, data?: unknown): boolean {
    return link.connection.send(encodeMessage({ action, data }, this.maxFrameSize, link.address));
  }

  /** Dispatches the messages held so far, and all later ones at once. */
  ready(): void {
    const held = this.#held;
    if (held === null || this.#closing) return;
    this.#held = null;
    for (const [link, message] of held) this.#dispatch(link, message);
    this.#options.onReady?.();
  }

  /** Whether the process is ready for messages. */
  get isReady(): boolean {
    return this.#held === null;
  }

  /** Sends a message; returns to how many processes it was handed. */
  sendMessage(action: string, data: unknown, to?: Target): number {
    assertUserAction(action);
    const targets = to === undefined ? this.layout.workerIds : targetsOf(to, action);
    const payload = encodeMessage({ action, data }, this.maxFrameSize, to);
    let handed = 0;
    for (const target of targets) {
      if (this.#linkTo(target)?.connection.send(payload)) handed++;
    }
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
    targetsOf(to, action);
    if (Array.isArray(to)) {
      throw new TypeError(`Request "${action}" takes one target; use requestAll() for several`);
    }
    if (typeof timeout !== "number" || !(timeout >= 0)) {
      throw new TypeError(`Request "${action}" has an invalid timeout: ${timeout}`);
    }
    if (signal?.aborted) throw signal.reason;
    if (this.#closing) throw this.#closedError(action, to, undefined);
    const link = this.#linkTo(to);
    if (!link) throw this.#unreachable(action, to);
    const messageId = `${this.#idPrefix}${(this.#nextId++).toString(36)}`;
    const payload = encodeMessage({ action, data, messageId }, this.maxFrameSize, to);
    const answer = this.#pending.open(messageId, {
      action,
      responseAction: responseAction(action),
      target: to,
      timeout,
      signal,
    });
    if (!link.connection.send(payload)) {
      this.#pending.fail(messageId, this.#unreachable(action, to));
    }
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
    options: Omit<RequestOptions, "to"> & { to?: Target } = {},
  ): Promise<({ from: Address; data: unknown } | { from: Address; error: Error })[]> {
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

  /** Registers a listener for one action; returns its remover. */
  on(action: string, listener: ActionListener): () => void {
    assertUserAction(action);
    assertFunction(listener, `on("${action}")`);
    this.#listeners.set(action, [...(this.#listeners.get(action) ?? []), listener]);
    return once(() => {
      const remaining = without(this.#listeners.get(action) ?? [], listener);
      if (remaining.length > 0) this.#listeners.set(action, remaining);
      else this.#listeners.delete(action);
    });
  }

  /** Registers the request handler for one action; returns its remover. */
  handle(action: string, handler: RequestHandler): () => void {
    assertUserAction(action);
    assertFunction(handler, `handle("${action}")`);
    if (this.#handlers.has(action)) {
      throw new Error(
        `"${action}" already has a handler in ${describe(this.self)}; remove it first`,
      );
    }
    this.#handlers.set(action, handler);
    return once(() => {
      if (this.#handlers.get(action) === handler) this.#handlers.delete(action);
    });
  }

  /** Registers a listener for every message; returns its remover. */
  onAny(listener: AnyListener): () => void {
    assertFunction(listener, "onAny()");
    this.#anyListeners = [...this.#anyListeners, listener];
    return once(() => this.#anyListeners = without(this.#anyListeners, listener));
  }

  /** Registers a listener for errors no caller could be given; returns its remover. */
  onError(listener: ErrorListener): () => void {
    assertFunction(listener, "onError()");
    this.#errorListeners = [...this.#errorListeners, listener];
    return once(() => this.#errorListeners = without(this.#errorListeners, listener));
  }

  /**
   * Reports an error that has no caller to reject: to the error listeners,
   * or to the console when there are none, so it is never lost.
   */
  report(error: Error): void {
    if (this.#errorListeners.length === 0) {
      console.error(error);
      return;
    }
    for (const listener of this.#errorListeners) {
      try {
        listener(error);
      } catch (thrown) {
        console.error(thrown);
      }
    }
  }

  /** Answers a received message on its link (see {@linkcode ReceivedMessage.reply}). */
  replyTo(link: Link, to: ReceivedMessage, reply: WireMessage): boolean {
    if (to.isRequest) {
      reply.messageId = to.messageId;
      reply.re = true;
    }
    return link.connection.send(encodeMessage(reply, this.maxFrameSize, link.address));
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
    this.#loopback.connection.close();
    for (const link of [...this.#links.values(), ...this.#unbound]) link.connection.close();
    while (this.#pumps.size > 0) await Promise.all(this.#pumps);
  }

  #pump(link: Link): void {
    const pump = this.#read(link).finally(() => this.#pumps.delete(pump));
    this.#pumps.add(pump);
  }

  async #read(link: Link): Promise<void> {
    try {
      for await (const frames of link.connection) {
        for (const frame of frames) {
          this.#receive(link, frame);
          if (link.dropped) break;
        }
      }
    } catch (error) {
      this.report(error instanceof Error ? error : new Error(String(error)));
    }
    const reason = await link.connection.closed;
    if (reason instanceof FrameError && !link.dropped) {
      this.report(
        new FrameError(`Bad frame from ${link.name}: ${reason.message}`, { cause: reason }),
      );
    }
    this.#unbound.delete(link);
    const address = link.address;
    if (address === undefined || this.#links.get(address) !== link) return;
    this.#links.delete(address);
    this.#failRequestsTo(address, reason);
    this.#options.onLinkClosed?.(address, reason);
  }

  #receive(link: Link, frame: Uint8Array): void {
    let message: WireMessage;
    try {
      message = decodeMessage(frame, link.name);
    } catch (error) {
      this.drop(link, error as FrameError);
      return;
    }
    // Until a link is named by its handshake, all it says goes to the owner.
    if (link.address === undefined || message.action.startsWith(CONTROL_PREFIX)) {
      this.#options.onControl(link, message);
    } else if (this.#held) {
      this.#held.push([link, message]);
    } else {
      this.#dispatch(link, message);
    }
  }

  #dispatch(link: Link, message: WireMessage): void {
    if (this.#pending.size > 0) this.#pending.answer(message, link.address!);
    // A failed response has no data for listeners; it only settles a request.
    if (message.error !== undefined) return;
    const isRequest = message.messageId !== undefined && message.re !== true;
    const received = new ReceivedMessage(this, link, message, isRequest);
    const handler = this.#handlers.get(message.action);
    const listeners = this.#listeners.get(message.action);
    const anyListeners = this.#anyListeners;
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
    if (isPromiseLike(result)) {
      result.then(
        (value) => this.#respond(message, value),
        (error) => this.#handlerFailed(message, error),
      );
    } else {
      this.#respond(message, result);
    }
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
    if (message.isRequest) {
      this.#replyError(message, toWireError(error));
    } else {
      this.#reportListenerError(message, error);
    }
  }

  #replyError(to: ReceivedMessage, error: WireMessage["error"]): void {
    try {
      this.replyTo(linkOf(to), to, { action: responseAction(to.action), error });
    } catch (thrown) {
      this.report(thrown as Error);
    }
  }

  #reportListenerError(message: ReceivedMessage, thrown: unknown): void {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    this.report(
      new Error(
        `A listener for "${message.action}" from ${describe(message.from)} threw: ${error.message}`,
        { cause: error },
      ),
    );
  }

  #linkTo(address: Address): Link | undefined {
    return address === this.self ? this.#loopback : this.#links.get(address);
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

  #closedError(action: string, to: Address, reason: Error | undefined): ClosedError {
    return new ClosedError(
      `Request "${action}" to ${describe(to)} was cancelled: ${describe(this.self)} closed`,
      reason === undefined ? undefined : { cause: reason },
    );
  }
}

function randomPrefix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `${btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")}.`;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

function assertFunction(value: unknown, where: string): void {
  if (typeof value !== "function") {
    throw new TypeError(`${where} needs a function, got ${typeof value}`);
  }
}

function without<T>(list: readonly T[], item: T): T[] {
  const index = list.indexOf(item);
  return index === -1 ? [...list] : [...list.slice(0, index), ...list.slice(index + 1)];
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
