/**
 * The way out of one process: encoded payloads handed to the transport
 * within `maxQueuedBytes`, to one process (itself through the loopback),
 * to several as a whole, or to whichever worker is least busy. In a child,
 * a message to a sibling that does not listen yet is held until it does
 * (`held_for_siblings.ts`). What the transport refuses becomes the error
 * the caller sees, naming the action and the process.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import { toBytes } from "./codec.ts";
import { FrameError, QueueFullError } from "./errors.ts";
import type { HeldForSiblings } from "./held_for_siblings.ts";
import type { Layout } from "./layout.ts";
import type { Loopback } from "./loopback.ts";
import { type Endpoint, FULL, type Payload, TOO_LARGE, UNREACHABLE } from "./transport.ts";
import { WorkerChooser } from "./worker_chooser.ts";

/**
 * How many addresses of hosts that left are remembered, the newest: a
 * host remembers the last 1,024 hosts that left, and each had one at least.
 */
const LEFT_REMEMBERED = 1_024;

/**
 * What is sent: a message (or request); an answer, which the endpoint may
 * hold for room (see {@linkcode Endpoint.sendAnswer}); or an answer that
 * fails a request, which has a frame of room past `maxQueuedBytes` too
 * (see {@linkcode Outbox.sendFailure}).
 */
type Kind = "message" | "answer" | "failure";

/** Hands one process's payloads to the transport, within its limits. */
export class Outbox {
  #layout: Layout;
  /**
   * The processes of hosts that left (the newest {@linkcode LEFT_REMEMBERED}),
   * until an address comes back with a host that joins: a request to one
   * is refused as not connected, not as to no such process.
   */
  readonly #left = new Set<Address>();
  readonly #self: Address;
  readonly #endpoint: Endpoint;
  readonly #loopback: Loopback;
  readonly #maxQueuedBytes: number;
  readonly #chooser = new WorkerChooser();
  /** In a child: messages held for siblings that do not listen yet. */
  siblings: HeldForSiblings | undefined;

  /**
   * @param endpoint This process's endpoint.
   * @param loopback Where what this process sends itself goes.
   * @param maxQueuedBytes The most bytes queued for one peer.
   * @param layout The cluster's processes now.
   */
  constructor(endpoint: Endpoint, loopback: Loopback, maxQueuedBytes: number, layout: Layout) {
    this.#self = endpoint.self;
    this.#endpoint = endpoint;
    this.#loopback = loopback;
    this.#maxQueuedBytes = maxQueuedBytes;
    this.#layout = layout;
  }

  /** The cluster's processes: what is not in it is unreachable. Hosts join and leave. */
  get layout(): Layout {
    return this.#layout;
  }

  set layout(layout: Layout) {
    const before = this.#layout;
    for (const address of [...before.children(), ...before.managers]) {
      if (layout.has(address)) continue;
      this.#left.delete(address);
      this.#left.add(address);
    }
    for (const address of this.#left) if (layout.has(address)) this.#left.delete(address);
    for (const address of this.#left) {
      if (this.#left.size <= LEFT_REMEMBERED) break;
      this.#left.delete(address);
    }
    this.#layout = layout;
  }

  /** Whether `to` was a process of a host that left the cluster, and is not back. */
  leftWithItsHost(to: Address): boolean {
    return this.#left.has(to);
  }

  /** Why `to` cannot be reached now, when the transport knows (see {@linkcode Endpoint.unreachableWhy}). */
  unreachableWhy(to: Address): string | undefined {
    return this.#endpoint.unreachableWhy?.(to);
  }

  /** How many payloads the endpoint took for `to`, where it counts them (see {@linkcode Endpoint.sent}). */
  sent(to: Address): number {
    return this.#endpoint.sent?.(to) ?? 0;
  }

  /**
   * Sends a message to one process, within `maxQueuedBytes`; in a child,
   * held for a sibling that does not listen yet.
   *
   * @returns The payload's size, or a negative code: not handed over.
   * @throws {QueueFullError} When the queue to `to` has no room for it.
   * @throws {FrameError} When it is over what the transport carries to `to`.
   */
  send(to: Address, payload: Payload, action: string): number {
    return this.#send(to, payload, action, "message");
  }

  /** {@linkcode send}, of an answer or a failure answer as `kind` says (see {@linkcode Kind}). */
  #send(to: Address, payload: Payload, action: string, kind: Kind): number {
    const size = this.#sendNow(to, payload, action, kind);
    const siblings = this.siblings;
    if (size !== UNREACHABLE || siblings === undefined || !this.layout.has(to)) return size;
    if (!siblings.holds(to) && (!siblings.mayHold(to) || this.unreachableWhy(to))) return size;
    const maxSize = this.#endpoint.maxPayload(to);
    const held = siblings.hold(to, payload, action, this.#maxQueuedBytes, maxSize);
    if (held === TOO_LARGE) throw this.#tooLarge(to, action);
    if (held === FULL) throw this.#queueFull(to, action, siblings.bytes(to), false);
    return held;
  }

  /**
   * Sends to one process now, within `maxQueuedBytes`: a request, which
   * waits for a sibling that does not listen yet itself (unreachable, too,
   * while messages held for it cannot go yet, to stay behind them).
   *
   * @returns The payload's size, or a negative code: not handed over.
   * @throws {QueueFullError} When the queue to `to` has no room for it.
   * @throws {FrameError} When it is over what the transport carries to `to`.
   */
  sendNow(to: Address, payload: Payload, action: string): number {
    return this.#sendNow(to, payload, action, "message");
  }

  #sendNow(to: Address, payload: Payload, action: string, kind: Kind): number {
    if (to === this.#self) return this.#loopback.send(payload);
    if (!this.layout.has(to)) return UNREACHABLE;
    // Behind what is held for it, if that cannot go yet.
    if (this.siblings?.sendHeld(to) === false) return UNREACHABLE;
    return this.#sendOn(to, payload, action, kind);
  }

  /**
   * Sends an answer to what `to` sent (a request's answer or refusal, a
   * reply by hand), as {@linkcode send} does; but past what waits for
   * `to`'s next process: the process that sent it is the one to answer,
   * connected still (or its next process, set up before it is ready, asking
   * already), while what waits is for a process that is not there yet.
   * Where the endpoint holds answers for room (a manager's, to another
   * host: see {@linkcode Endpoint.sendAnswer}), a full window holds it: the
   * handler ran, and its requester asked for the answer; refused, it failed
   * the request as if nothing had.
   *
   * @returns The payload's size, or a negative code: not handed over.
   * @throws {QueueFullError} When the queue to `to` has no room for it.
   * @throws {FrameError} When it is over what the transport carries to `to`.
   */
  sendAnswer(to: Address, payload: Payload, action: string): number {
    return this.#sendAnswer(to, payload, action, "answer");
  }

  /**
   * Sends an answer that fails a request (an error, a refusal), as
   * {@linkcode sendAnswer} does, with room for one frame more past
   * `maxQueuedBytes`, as a `$left` has: it is what tells the requester that
   * its request failed (its answer refused at `maxQueuedBytes`, say), which
   * refused too, it learnt only at its timeout. One a request, and bounded
   * still: what is queued for `to` stays within the limit and a frame.
   *
   * @returns The payload's size, or a negative code: not handed over.
   * @throws {QueueFullError} When the queue to `to` has no room for it, even so.
   * @throws {FrameError} When it is over what the transport carries to `to`.
   */
  sendFailure(to: Address, payload: Payload, action: string): number {
    return this.#sendAnswer(to, payload, action, "failure");
  }

  #sendAnswer(to: Address, payload: Payload, action: string, kind: Kind): number {
    if (to === this.#self || !this.siblings?.waitsForNext(to)) {
      return this.#send(to, payload, action, kind);
    }
    return this.#sendOn(to, payload, action, kind);
  }

  #sendOn(to: Address, payload: Payload, action: string, kind: Kind = "message"): number {
    const endpoint = this.#endpoint;
    // A failure answer's frame of room (see `sendFailure`).
    const room = kind === "failure" ? endpoint.maxPayload(to) + endpoint.overhead : 0;
    const limit = this.#maxQueuedBytes + room;
    const size = kind !== "message" && endpoint.sendAnswer
      ? endpoint.sendAnswer(to, payload, limit)
      : endpoint.send(to, payload, limit);
    if (size === FULL) {
      throw endpoint.answersHeldFor?.(to)
        ? this.#behindAnswers(to, action)
        : this.#queueFull(to, action, endpoint.queued(to), false, room);
    }
    if (size === TOO_LARGE) throw this.#tooLarge(to, action);
    return size;
  }

  /**
   * Sends to several, text encoded to bytes once whatever their number
   * (pieces stay pieces, for the transport to copy), and to all or, when one
   * would refuse it, to none.
   *
   * @returns How many it was handed to.
   * @throws {QueueFullError} When one's queue has no room for it; nothing is sent.
   * @throws {FrameError} When it is over what the transport carries to one; nothing is sent.
   */
  sendToAll(targets: readonly Address[], payload: Payload, action: string): number {
    const sent = typeof payload === "string" ? toBytes(payload) : payload;
    this.#checkAll(targets, sent.length, action);
    let handed = 0;
    for (const target of targets) if (this.send(target, sent, action) >= 0) handed++;
    return handed;
  }

  /**
   * Sends to one worker, the least busy that takes it (see
   * `worker_chooser.ts`); one whose queue is full is passed over, and so is
   * one it is too large for (a worker of another host, over NATS
   * `max_payload`, where one of this host's sockets carries it).
   *
   * @param openTo The work a worker has open, as the sender knows it.
   * @param skip Workers not to send it to.
   * @returns The worker, or undefined when none is up.
   * @throws {QueueFullError} When every worker up that it fits has a full queue.
   * @throws {FrameError} When it is too large for every worker up.
   */
  sendToAny(
    payload: Payload,
    action: string,
    openTo: (worker: Address) => number,
    skip?: readonly Address[],
  ): Address | undefined {
    const workers = this.layout.workerIds;
    let full: QueueFullError | undefined;
    let tooLarge: FrameError | undefined;
    for (const worker of this.#chooser.candidates(workers, openTo)) {
      if (skip?.includes(worker)) continue;
      try {
        if (this.sendNow(worker, payload, action) < 0) continue;
      } catch (error) {
        if (error instanceof QueueFullError) full ??= error;
        else if (error instanceof FrameError) tooLarge ??= error;
        else throw error;
        continue;
      }
      this.#chooser.chose(worker, workers);
      return worker;
    }
    // A full queue drains: that is the one to wait on, if any would take it.
    if (full) throw full;
    if (tooLarge) throw tooLarge;
    return undefined;
  }

  /**
   * Checks that every target would take a payload of `size` bytes, before
   * any is sent: not over what the transport carries to it, and room in
   * its queue, as the transport counts it, with what the targets before it
   * add to a queue they share (another host's window, say); and none that
   * this process's answers wait for (see `Endpoint.answersHeldFor`): the
   * send to it is refused whatever room its queue has, and, found in the
   * loop, it stopped the message halfway, had by the targets before it.
   */
  #checkAll(targets: readonly Address[], size: number, action: string): void {
    const endpoint = this.#endpoint;
    const planned = new Map<unknown, number>();
    for (const target of targets) {
      if (target === this.#self) continue; // The loopback has no limit.
      if (size > endpoint.maxPayload(target)) throw this.#tooLarge(target, action);
      if (endpoint.answersHeldFor?.(target)) throw this.#behindAnswers(target, action);
      const queue = endpoint.queueKey?.(target) ?? target;
      const before = planned.get(queue);
      const queued = before ?? endpoint.queued(target) + (this.siblings?.bytes(target) ?? 0);
      const after = queued + this.queueCost(target, size);
      if (after > this.#limit(target)) {
        throw this.#queueFull(target, action, queued, before !== undefined);
      }
      planned.set(queue, after);
    }
  }

  /** The bytes a payload of `size` takes of the queue to `to`, as the transport counts them. */
  queueCost(to: Address, size: number): number {
    return this.#endpoint.queueCost?.(to, size) ?? this.#endpoint.overhead + size;
  }

  /** The most bytes that may wait for `to`: `maxQueuedBytes`, or the transport's own limit. */
  #limit(to: Address): number {
    return Math.min(this.#maxQueuedBytes, this.#endpoint.queueLimit?.(to) ?? Infinity);
  }

  #tooLarge(to: Address, action: string): FrameError {
    const name = this.#endpoint.limitName?.(to);
    return new FrameError(
      `Cannot send "${action}" to ${describe(to)}: the message is over the ${
        this.#endpoint.maxPayload(to)
      }-byte limit of the transport to it${name ? ` (${name})` : ""}`,
      { action, peer: to },
    );
  }

  /**
   * Why a send to `to` was refused though its queue had room: it would go
   * after this process's answers to `to` held for room in the window to its
   * host (see `Endpoint.answersHeldFor`). Said as the count alone, it read
   * "0 bytes are queued for it already, and the limit is 8388608".
   */
  #behindAnswers(to: Address, action: string): QueueFullError {
    return new QueueFullError(
      `Cannot send "${action}" to ${describe(to)}: it would go after this process's answers to ` +
        `it, which wait for room in the window to its host (${this.#endpoint.queued(to)} of its ` +
        `${this.#limit(to)} bytes are sent and not confirmed yet); await drain() first`,
      { action, peer: to },
    );
  }

  /**
   * @param planned Whether `queued` counts this message to others who share the queue.
   * @param room Bytes past `maxQueuedBytes` it had (a failure answer's frame).
   */
  #queueFull(
    to: Address,
    action: string,
    queued: number,
    planned: boolean,
    room = 0,
  ): QueueFullError {
    const own = this.#limit(to);
    const limit = own === this.#maxQueuedBytes ? own + room : own;
    const what = own !== this.#maxQueuedBytes
      ? "window, to its host"
      : room === 0
      ? "maxQueuedBytes"
      : "maxQueuedBytes and a frame";
    const already = planned
      ? "would be queued for it with this message to those before it that share its queue"
      : "are queued for it already";
    return new QueueFullError(
      `Cannot send "${action}" to ${
        describe(to)
      }: ${queued} bytes ${already}, and the limit is ${limit} (${what}); await drain() first`,
      { action, peer: to },
    );
  }
}
