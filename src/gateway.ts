/**
 * The gateway: a manager's endpoint when the cluster spans several hosts.
 * Traffic between processes of this host stays on the Unix sockets; what
 * goes to another host leaves through the broker link, from the manager
 * itself or relayed for its children, and what comes from other hosts is
 * delivered to the manager or relayed to the child it is for. Children
 * never open a broker connection, so they need no credential and pay
 * nothing for it at start-up. The manager opens it through its
 * `GatewayHost` (`gateway_host.ts`).
 *
 * @module
 */

import { type Address, describe, MANAGER, managerOf } from "./address.ts";
import type { BrokerLink } from "./broker.ts";
import { CONTROL_PREFIX } from "./action.ts";
import { CANCEL, MORE } from "./control.ts";
import { decodeMessage, toBytes, type WireMessage } from "./codec.ts";
import { QueueFullError, UnreachableError } from "./errors.ts";
import { failureAnswer } from "./failure_answer.ts";
import { type Held, HeldUntilJoined } from "./held_until_joined.ts";
import { isPieces, joinPieces } from "./payload_pieces.ts";
import {
  type Endpoint,
  type EndpointOptions,
  FULL,
  type Payload,
  type Receiver,
  TOO_LARGE,
  UNREACHABLE,
} from "./transport.ts";
import type { ConnectionStats } from "./stats.ts";
import type { UnixEndpoint } from "./unix/endpoint.ts";
import { HeldAnswers } from "./held_answers.ts";
import { RefusedStreams } from "./refused_streams.ts";
import { RemoteOutcomes } from "./remote_outcomes.ts";
import { UntakenRelays } from "./untaken_relays.ts";
import { HEADER_SIZE } from "./unix/frame.ts";
import { CUT_OFF, relayHeadSize } from "./unix/relay.ts";

/** A manager's way to its own host's processes and, through the broker, to the others. */
export class GatewayEndpoint implements Endpoint {
  readonly self: Address = MANAGER;
  readonly overhead: number;
  readonly #local: UnixEndpoint;
  readonly #link: BrokerLink;
  readonly #options: EndpointOptions;
  /** This manager's address as other hosts know it. */
  readonly #global: string;
  #receiver: Receiver | undefined;
  readonly #closed = Promise.withResolvers<Error | undefined>();
  #closing = false;
  /** Whether the other hosts can be reached now, as the link says. */
  #reachable = true;
  /** What other hosts sent to this host's children while none of their processes was joined. */
  readonly #held: HeldUntilJoined;
  /** Children told to exit whose next process has not joined yet. */
  readonly #exiting = new Set<Address>();
  /** By child: what was relayed to its process from other hosts and not said taken yet. */
  readonly #untaken = new Map<Address, UntakenRelays>();
  /**
   * The most bytes queued for a child that a new message from another host
   * may take it to: the other host counts a message confirmed once it is
   * queued here, so its window does not hold back for a child that reads
   * slowly (README "Across hosts").
   */
  readonly #queueLimit: number;
  /** Children said to read too slowly, until their queue is down to half the limit. */
  readonly #slow = new Set<Address>();
  /** By process on another host: how many payloads this manager sent it (see `sent`). */
  readonly #sentTo = new Map<Address, number>();
  /** What other hosts say became of what this host's processes sent them: told to each. */
  readonly #outcomes: RemoteOutcomes;
  /** Streams children answer to other hosts, one part of which the link refused. */
  readonly #refusedStreams = new RefusedStreams();
  /** Children's answers to other hosts that wait for room in the window. */
  readonly #heldAnswers: HeldAnswers;

  /**
   * @param queueLimit Bytes queued for one child past which new messages
   * from other hosts are refused: the cluster's `maxQueuedBytes`.
   */
  constructor(
    local: UnixEndpoint,
    link: BrokerLink,
    options: EndpointOptions,
    queueLimit = Infinity,
  ) {
    this.#local = local;
    this.#link = link;
    this.#options = options;
    this.#queueLimit = queueLimit;
    this.overhead = local.overhead;
    this.#global = managerOf(link.self.host);
    this.#held = new HeldUntilJoined([...link.self.workers, ...link.self.services]);
    this.#outcomes = new RemoteOutcomes(local, this.#global, options.report);
    this.#heldAnswers = new HeldAnswers(
      {
        send: (from, to, payload) =>
          from === this.#global ? this.#sendOwn(to, payload) : this.#link.send(from, to, payload),
        refuse: (from, to, payload, own) => {
          if (from === this.#global) return options.report(ownAnswerLost(to, payload));
          if (!own) return this.#refuseRelay(from, to, payload);
          options.report(
            new UnreachableError(
              `An answer for ${describe(from)} to ${describe(to)} (a request refused for it) ` +
                `could not go`,
              { peer: to },
            ),
          );
        },
        answeredAs: (from, to) => this.#outcomes.answeredAs(from, to),
        dropped: (from, to, payload) => this.#streamBroken(from, to, payload),
        drained: (limit, host) => this.#link.drained(limit, host),
        report: options.report,
      },
      link.window ?? Infinity,
      queueLimit,
    );
  }

  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  maxPayload(to: Address): number {
    return this.#isRemote(to) ? this.#link.maxPayload : this.#local.maxPayload(to);
  }

  limitName(to: Address): string | undefined {
    return this.#isRemote(to) ? this.#link.limitName : undefined;
  }

  queueKey(to: Address): unknown {
    // The processes of one other host share its window; its manager's
    // address names it, as no process of this host can have that address.
    const host = this.#remoteHost(to);
    return host === undefined ? this.#local.queueKey(to) : managerOf(host);
  }

  queueLimit(to: Address): number | undefined {
    return this.#isRemote(to) ? this.#link.window : undefined;
  }

  queueCost(to: Address, size: number): number {
    // The link counts the bodies it sends, not their envelopes.
    return this.#isRemote(to) ? size : this.#local.queueCost(to, size);
  }

  receive(receiver: Receiver): void {
    this.#receiver = receiver;
    this.#outcomes.receive(receiver);
    this.#local.receive(receiver);
    this.#local.relayTo((from, to, payload) => this.#relay(from, to, payload));
    this.#local.admitted((child) => this.#joined(child));
    this.#local.taken((child, taken) => {
      if (taken === "rest") this.#untakenBy(child).takeTheRest();
      else this.#untaken.get(child)?.take(taken);
    });
    this.#local.left((child, reason) => this.#left(child, reason));
    this.#link.receive({
      deliver: (from, to, payload) => this.#deliver(from, to, payload),
      lost: (host, reason) => this.#lost(host, reason),
      bounced: (from, to, reason, details) => this.#outcomes.bounced(from, to, reason, details),
      unconfirmed: (host, from, to, count, why) =>
        this.#outcomes.unconfirmed(host, from, to, count, why),
      ended: (address, reason, onTheWay) => this.#outcomes.ended(address, reason, onTheWay),
    });
    this.#link.onChange((change) => {
      if (change.type === "left") this.#outcomes.hostLost(change.host, undefined);
    });
    this.#link.onReachable?.((reachable) => {
      this.#reachable = reachable;
      for (const child of this.#local.connected()) {
        if (child !== MANAGER) this.#local.tellReachable(child, reachable);
      }
    });
  }

  unreachableWhy(to: Address): string | undefined {
    if (!this.#isRemote(to)) return this.#local.unreachableWhy(to);
    return this.#reachable ? undefined : CUT_OFF;
  }

  send(to: Address, payload: Payload, limit?: number): number {
    if (!this.#isRemote(to)) return this.#local.send(to, payload, limit);
    if (this.#closing) return UNREACHABLE;
    // Not past this manager's answers that wait for room: refused as past the window.
    if (this.#heldAnswers.holds(this.#global, to)) return FULL;
    return this.#sendOwn(to, forLink(payload), limit);
  }

  /**
   * Holds this manager's own answer for room in the window to another host,
   * as its children's are held (see `held_answers.ts`), within the same
   * bound (`maxQueuedBytes` held for this manager; `limit` is for what goes
   * now): its handler ran, and the requester waits for it. Refused as full
   * at once, the requester got nothing (the error answer sent instead was
   * refused too) and waited out its timeout.
   */
  sendAnswer(to: Address, payload: Payload, limit = Infinity): number {
    const host = this.#remoteHost(to);
    if (host === undefined) return this.#local.send(to, payload, limit);
    if (this.#closing) return UNREACHABLE;
    const joined = forLink(payload);
    const behind = this.#heldAnswers.holds(this.#global, to);
    const sent = behind ? FULL : this.#sendOwn(to, joined, limit);
    if (sent !== FULL) return sent;
    const bytes = typeof joined === "string" ? toBytes(joined) : joined;
    if (!this.#heldAnswers.fits(this.#global, bytes.length)) return FULL;
    if (behind) this.#heldAnswers.behind(this.#global, to, bytes);
    else this.#heldAnswers.hold(this.#global, to, host, bytes);
    return bytes.length;
  }

  /** Sends what this manager itself sends another host's process, counted (see `sent`). */
  #sendOwn(to: Address, payload: Uint8Array | string, limit?: number): number {
    const size = this.#link.send(this.#global, to, payload, limit);
    if (size >= 0) this.#sentTo.set(to, (this.#sentTo.get(to) ?? 0) + 1);
    return size;
  }

  sent(to: Address): number {
    return this.#sentTo.get(to) ?? 0;
  }

  queued(to: Address): number {
    const host = this.#remoteHost(to);
    return host === undefined ? this.#local.queued(to) : this.#link.queued(host);
  }

  async drained(limit: number, to?: Address): Promise<void> {
    if (to === undefined) {
      await Promise.all([this.#local.drained(limit), this.#link.drained(this.#toLink(limit))]);
      return;
    }
    const host = this.#remoteHost(to);
    await (host === undefined
      ? this.#local.drained(limit, to)
      : this.#link.drained(this.#toLink(limit), host));
  }

  /**
   * What a drain to another host waits for: `limit`, or less, so that the
   * largest message fits its window again. At `limit` alone, a window at or
   * below `highWaterMark` (256 KiB, with 1 MiB) left drain() resolving at
   * once while sends were refused as full: a sender that drained and sent
   * again spun, and no confirmation could come in.
   */
  #toLink(limit: number): number {
    const room = Math.min(this.#link.window ?? Infinity, this.#queueLimit) - this.#link.maxPayload;
    return Math.max(0, Math.min(limit, room));
  }

  connected(): Address[] {
    return this.#local.connected();
  }

  connections(): ConnectionStats[] {
    return [...this.#local.connections(), ...this.#link.connections()];
  }

  close(reason?: Error): void {
    if (this.#closing) return;
    this.#closing = true;
    // What never reached a child is refused where its sender can see it.
    for (const [child, held] of this.#held.close()) this.#bounceHeld(child, held);
    (async () => {
      await this.#link.close().catch(this.#options.report);
      this.#local.close(reason);
      await this.#local.closed;
      this.#closed.resolve(reason);
    })();
  }

  stopReading(): Promise<void> {
    return this.#link.stopReading?.() ?? Promise.resolve();
  }

  answersHeldSent(): Promise<void> {
    return this.#heldAnswers.allSent();
  }

  exiting(child: Address): void {
    if (this.#closing) return;
    this.#exiting.add(child);
    this.#held.wait(child);
  }

  noReturn(child: Address): void {
    this.#exiting.delete(child);
    this.#bounceHeld(child, this.#held.release(child));
  }

  /** Stops at once, for a process about to end. */
  abandon(): void {
    this.#link.abandon();
  }

  #isRemote(to: Address): boolean {
    return this.#remoteHost(to) !== undefined;
  }

  /** The other host `to` is on; undefined when it is on this one (or nowhere). */
  #remoteHost(to: Address): string | undefined {
    if (to === MANAGER) return undefined;
    const host = this.#link.hostOf(to);
    return host === this.#link.self.host ? undefined : host;
  }

  /**
   * A child's message for another host. One that cannot go (its host left,
   * or cannot be reached, or the window to it is full) is refused to the
   * child: a request is answered as from its target, failed as never
   * delivered; anything else may have broken what the child has open with
   * the target (a stream it was a part of, or steered), which fails.
   */
  #relay(from: Address, to: Address, payload: Uint8Array): void {
    if (to === this.#global) return this.#receiver?.deliver(from, [payload]);
    this.#outcomes.forwarded(from, to);
    if (this.#streamBroken(from, to, payload)) return;
    // Behind its answers that wait for room in the window, in order.
    if (this.#heldAnswers.behind(from, to, payload)) return;
    const host = this.#remoteHost(to);
    const sent = host === undefined ? UNREACHABLE : this.#link.send(from, to, payload);
    if (sent >= 0) return;
    const message = readMessage(from, payload);
    if (sent === FULL && message?.re === true) {
      return this.#heldAnswers.hold(from, to, host!, payload);
    }
    this.#refuseRelay(from, to, payload, message);
  }

  /**
   * Whether `payload`, from `from` to `to`, is the rest of a stream one part
   * of which was refused: the child hears of it, and stops; it goes no further.
   */
  #streamBroken(from: Address, to: Address, payload: Uint8Array): boolean {
    return this.#refusedStreams.watches(from, to) &&
      this.#refusedStreams.broken(from, to, readMessage(from, payload));
  }

  /**
   * Refuses to a child what it sent another host that cannot go: a request
   * is answered as from its target, failed as never delivered; anything
   * else may have broken what the child has open with the target (a stream
   * it was a part of, or steered), which fails.
   */
  #refuseRelay(
    from: Address,
    to: Address,
    payload: Uint8Array,
    message: WireMessage | undefined = readMessage(from, payload),
  ): void {
    const host = this.#remoteHost(to);
    // A child that came while the others could not be reached: from now
    // on it refuses such sends itself.
    if (!this.#reachable) this.#local.tellReachable(from, false);
    const why = host === undefined
      ? "no host of the cluster runs it"
      : `host "${host}" cannot take it now`;
    const answer = message && isRequest(message)
      ? notDelivered(from, message, why, this.#local.maxPayload(from) - relayHeadSize(to))
      : undefined;
    if (answer !== undefined && this.#local.deliverFrom(from, to, toBytes(answer)) >= 0) {
      // Taken with what the child takes; its sender is this manager, whom
      // nobody tells if the child crashes before it says so.
      this.#untakenBy(from).add(this.#global);
      return;
    }
    this.#refusedStreams.refused(from, to, message);
    this.#outcomes.relayRefused(from, to, message?.action, why);
  }

  /** A message from another host: for the manager, or for one of its children. */
  #deliver(from: Address, to: Address, payload: Uint8Array): void {
    if (to === this.#global || to === MANAGER) return this.#receiver?.deliver(from, [payload]);
    const exiting = this.#exiting.has(to);
    // Answered here for the child (a request it would refuse): not relayed.
    const answer = this.#receiver?.answerFor?.(to, from, payload, exiting);
    if (answer !== undefined && this.#answerAs(to, from, answer)) return;
    // A child told to exit reads on until it closes: what answers or steers
    // its own work (a response, `$left`, `$more`) still goes to it.
    const held = exiting && !isNewMessage(from, payload)
      ? "joined"
      : this.#held.hold(from, to, payload);
    switch (held) {
      case "held":
        return;
      case "full":
        return this.#refuse(
          from,
          to,
          payload,
          `${describe(to)} has not joined, and too much waits for it already`,
          true,
        );
    }
    this.#relayToChild(from, to, payload);
  }

  /**
   * Relays a payload from another host to a child, to be said taken; one
   * that cannot go (the child is not connected, or reads too slowly) is
   * refused to its sender.
   */
  #relayToChild(from: Address, to: Address, payload: Uint8Array): void {
    const tooSlow = this.#tooSlow(from, to, payload);
    if (tooSlow !== undefined) return this.#refuse(from, to, payload, tooSlow, true);
    const sent = this.#local.deliverFrom(to, from, payload);
    if (sent === TOO_LARGE) {
      // Hosts may set maxFrameSize apart: one larger than this host's frames is refused.
      const limit = this.#local.maxPayload(to) - relayHeadSize(from);
      const reason = `its ${payload.length} bytes are over the ${limit} bytes a message relayed ` +
        `to ${describe(to)} may have (maxFrameSize on its host)`;
      return this.#refuse(from, to, payload, reason, false);
    }
    if (sent < 0) {
      // A cancel has nothing left to stop, a grant of more parts nothing
      // left to grant: the handler ended with the process. Refused, it
      // reached its sender's onError as a message "not delivered" that its
      // code never sent (on one host it goes nowhere).
      const message = readMessage(from, payload);
      if (message?.action === CANCEL || message?.action === MORE) return;
      return this.#refuse(from, to, payload, `${describe(to)} is not connected`, true, message);
    }
    this.#untakenBy(to).add(from);
  }

  /**
   * Why a new message for `child` is refused, if it is: it would take what
   * waits for the child past the limit, as a send on one host would (there,
   * `QueueFullError`). Said to this manager too, once, and again only after
   * the queue came down to half. What answers or steers the child's own
   * work (a response, `$more`, `$cancel`) still goes: it is bounded by what
   * the child asked for, and refused, it would fail the child's work.
   */
  #tooSlow(from: Address, child: Address, payload: Uint8Array): string | undefined {
    const queued = this.#local.queued(child);
    if (queued <= this.#queueLimit / 2) this.#slow.delete(child);
    const frame = HEADER_SIZE + relayHeadSize(from) + payload.length;
    if (queued + frame <= this.#queueLimit || !isNewMessage(from, payload)) return;
    // The same for each refusal, so that its sender hears of many at once.
    const why = `${describe(child)} reads too slowly: what waits for it is at maxQueuedBytes ` +
      `on its host (${this.#queueLimit})`;
    if (!this.#slow.has(child)) {
      this.#slow.add(child);
      this.#options.report(
        new QueueFullError(
          `${describe(child)} reads too slowly: ${queued} bytes wait for it, and maxQueuedBytes ` +
            `on its host is ${this.#queueLimit}; what other hosts send it is refused until it reads`,
          { peer: child },
        ),
      );
    }
    return why;
  }

  /** What was relayed to `child`'s process and not said taken yet. */
  #untakenBy(child: Address): UntakenRelays {
    let untaken = this.#untaken.get(child);
    if (!untaken) this.#untaken.set(child, untaken = new UntakenRelays());
    return untaken;
  }

  /**
   * A child's connection closed. Closed gracefully, it read everything
   * sent to it, as it said; else (it crashed with frames unread in its
   * socket, or read by its runtime and never handed on; or it stopped
   * reading), what it never said it took is refused to its senders, by
   * count: it never had them, or at least never said so. Before, they were
   * lost in silence (some in each host stop that a worker crashed through).
   */
  #left(child: Address, reason: Error | undefined): void {
    this.#outcomes.childChanged(child);
    this.#refusedStreams.childChanged(child);
    const untaken = this.#untaken.get(child);
    this.#untaken.delete(child);
    const graceful = untaken?.takesTheRest === true && reason === undefined;
    if (!graceful) {
      for (const [from, count] of untaken?.bySender() ?? []) {
        if (from === this.#global) continue;
        const them = count === 1 ? "it" : "them";
        const why = `${describe(child)} ended before it said it had read ${them}`;
        this.#link.bounce(from, child, why, { count, ended: true });
      }
    }
    // The other hosts hear it ended, as on one host a closed connection
    // says: what it took and did not answer fails there (what its stop work
    // cut short, or all, if it crashed), rather than wait out its timeout;
    // what is being done there for it stops.
    const how = reason === undefined ? "" : ` (${reason.message})`;
    const why = graceful ? undefined : `${describe(child)} ended without closing gracefully${how}`;
    // After what it sent that waits for room in the window: its answers
    // came after its end, to requests failed by then.
    this.#link.ended?.(child, why, this.#heldAnswers.sent(child));
  }

  /**
   * Refuses a payload from another host that cannot reach `to`, here; `away`
   * when nothing else its sender has open with `to` breaks (`to` is not
   * connected, not joined, or too slow to take new work). A request is
   * answered as from `to`, failed as never delivered, so that to `ANY` it
   * goes to another worker; anything else bounces, naming its action if it
   * has one; so does a request whose answer cannot go (too large, the
   * host left: one the window has no room for waits, see `#answerAs`), not
   * as away: its sender then fails what it has open with `to`, as it may
   * have run, rather than wait for an answer that never comes.
   */
  #refuse(
    from: Address,
    to: Address,
    payload: Uint8Array,
    reason: string,
    away: boolean,
    message: WireMessage | undefined = readMessage(from, payload),
  ): void {
    const answer = message && isRequest(message)
      ? notDelivered(from, message, reason, this.#link.maxPayload)
      : undefined;
    if (answer !== undefined && this.#answerAs(to, from, answer)) return;
    this.#link.bounce(from, to, reason, {
      action: message?.action,
      away: away && answer === undefined ? true : undefined,
    });
  }

  /**
   * Sends `answer` to `to`, on another host, as from `child`, which never
   * sent it: a bye's count of what came from the child counts it, so it is
   * counted (see {@linkcode RemoteOutcomes.answeredAs}).
   *
   * When the window to `to`'s host has no room, it waits there, as the
   * child's own answers do (see `held_answers.ts`): a refusal of the
   * request sent instead kept a child's plain requests open (the process
   * is there), and the request waited out its timeout.
   *
   * @returns Whether it was sent, or held to send.
   */
  #answerAs(child: Address, to: Address, answer: Payload): boolean {
    const joined = forLink(answer);
    const payload = typeof joined === "string" ? new TextEncoder().encode(joined) : joined;
    // Behind what the child's process sent `to` that waits: counted as it goes.
    if (this.#heldAnswers.behind(child, to, payload, true)) return true;
    const sent = this.#link.send(child, to, payload);
    const host = this.#remoteHost(to);
    if (sent === FULL && host !== undefined) {
      this.#heldAnswers.hold(child, to, host, payload, true);
      return true;
    }
    if (sent < 0) return false;
    this.#outcomes.answeredAs(child, to);
    return true;
  }

  /** A child of this host joined: what other hosts sent it before goes to it now. */
  #joined(child: Address): void {
    this.#outcomes.childChanged(child);
    this.#exiting.delete(child);
    for (const { from, payload } of this.#held.release(child)) {
      this.#relayToChild(from, child, payload);
    }
  }

  /**
   * What waited for a child that will have no process to take it; their
   * senders hear it one report a sender and action, as refusals that
   * speak only for their messages are gathered where they are told (see
   * {@linkcode RemoteOutcomes.bounced}).
   */
  #bounceHeld(child: Address, held: readonly Held[]): void {
    const reason = `${describe(child)} stopped before it could take it`;
    for (const { from, payload } of held) this.#refuse(from, child, payload, reason, true);
  }

  /** Everything in flight to and from `host` may be lost: requests to it fail. */
  #lost(host: string, reason: Error | undefined): void {
    const record = this.#link.hosts().find((h) => h.host === host);
    if (record) this.#outcomes.hostLost(record, reason);
  }
}

/** A payload as a message; undefined when it is none (refused all the same, unnamed). */
function readMessage(from: Address, payload: Uint8Array): WireMessage | undefined {
  try {
    return decodeMessage(payload, describe(from));
  } catch {
    return undefined;
  }
}

/**
 * The answer to `request` from `from` that fails it as never delivered,
 * for `reason`, carrying its data back; undefined when even the answer
 * without its data is over `limit`.
 */
function notDelivered(
  from: Address,
  request: WireMessage,
  reason: string,
  limit: number,
): Payload | undefined {
  const error = { name: UnreachableError.name, message: reason, undelivered: true as const };
  try {
    return failureAnswer(from, request, error, true, limit);
  } catch {
    return undefined;
  }
}

/**
 * What is reported when this manager's own answer, held for room in the
 * window to `to`'s host, could not go at all (the host left, the way is down).
 */
function ownAnswerLost(to: Address, payload: Uint8Array): UnreachableError {
  const action = readMessage(MANAGER, payload)?.action;
  const what = action === undefined ? "An answer" : `The answer "${action}"`;
  return new UnreachableError(
    `${what} of this manager to ${describe(to)} could not go: its host cannot take it now`,
    { action, peer: to },
  );
}

/** Whether `message` is a request that waits for an answer (not a control frame's). */
function isRequest(message: WireMessage): boolean {
  return message.messageId !== undefined && message.re !== true &&
    !message.action.startsWith(CONTROL_PREFIX);
}

/**
 * Whether a payload is a new message or request, not a response or a
 * control frame. One that cannot be read counts as new: held like one,
 * then delivered or refused.
 */
function isNewMessage(from: Address, payload: Uint8Array): boolean {
  try {
    const message = decodeMessage(payload, describe(from));
    return !message.action.startsWith(CONTROL_PREFIX) && message.re !== true;
  } catch {
    return true;
  }
}

/** A payload as a broker link takes it: bytes or text, pieces joined. */
function forLink(payload: Payload): Uint8Array | string {
  return isPieces(payload) ? joinPieces(payload) : payload;
}
