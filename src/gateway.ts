/**
 * The gateway: a manager's endpoint when the cluster spans several hosts.
 * Traffic between processes of this host stays on the Unix sockets; what
 * goes to another host leaves through the broker link, from the manager
 * itself or relayed for its children, and what comes from other hosts is
 * delivered to the manager or relayed to the child it is for. Children
 * never open a broker connection, so they need no credential and pay
 * nothing for it at start-up. The manager opens it through its
 * `GatewayHost` (`gateway_host.ts`). What comes for the children goes to
 * them through `RelayToChildren` (`relay_to_children.ts`), and what they
 * send other hosts leaves through `RelayFromChildren`
 * (`relay_from_children.ts`).
 *
 * @module
 */

import { type Address, describe, MANAGER, managerOf } from "./address.ts";
import type { BrokerLink } from "./broker.ts";
import { toBytes } from "./codec.ts";
import { UnreachableError } from "./errors.ts";
import {
  type Endpoint,
  type EndpointOptions,
  FULL,
  type Payload,
  type Receiver,
  UNREACHABLE,
} from "./transport.ts";
import type { ConnectionStats } from "./stats.ts";
import type { UnixEndpoint } from "./unix/endpoint.ts";
import { HeldAnswers } from "./held_answers.ts";
import { RefusedStreams } from "./refused_streams.ts";
import { RemoteOutcomes } from "./remote_outcomes.ts";
import { forLink, readMessage } from "./relayed_payloads.ts";
import { RelayFromChildren } from "./relay_from_children.ts";
import { RelayToChildren } from "./relay_to_children.ts";
import { CUT_OFF } from "./unix/relay.ts";

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
  /**
   * The most bytes queued for a child that a new message from another host
   * may take it to: the other host counts a message confirmed once it is
   * queued here, so its window does not hold back for a child that reads
   * slowly (README "Across hosts").
   */
  readonly #queueLimit: number;
  /** By process on another host: how many payloads this manager sent it (see `sent`). */
  readonly #sentTo = new Map<Address, number>();
  /** What other hosts say became of what this host's processes sent them: told to each. */
  readonly #outcomes: RemoteOutcomes;
  /** Streams children answer to other hosts, one part of which the link refused. */
  readonly #refusedStreams = new RefusedStreams();
  /** Children's answers to other hosts that wait for room in the window. */
  readonly #heldAnswers: HeldAnswers;
  /** What other hosts send this host's children, on its way to them. */
  readonly #toChildren: RelayToChildren;
  /** What this host's children send other hosts, on its way to the link. */
  readonly #fromChildren: RelayFromChildren;

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
    this.#outcomes = new RemoteOutcomes(local, this.#global, options.report);
    this.#heldAnswers = new HeldAnswers(
      {
        send: (from, to, payload) =>
          from === this.#global ? this.#sendOwn(to, payload) : this.#link.send(from, to, payload),
        refuse: (from, to, payload, own) => {
          if (from === this.#global) return options.report(ownAnswerLost(to, payload));
          if (!own) return this.#fromChildren.refuseRelay(from, to, payload);
          options.report(
            new UnreachableError(
              `An answer for ${describe(from)} to ${describe(to)} (a request refused for it) ` +
                `could not go`,
              { peer: to },
            ),
          );
        },
        answeredAs: (from, to) => this.#outcomes.answeredAs(from, to),
        dropped: (from, to, payload) => this.#fromChildren.streamBroken(from, to, payload),
        drained: (limit, host) => this.#link.drained(limit, host),
        report: options.report,
      },
      link.window ?? Infinity,
      queueLimit,
    );
    this.#toChildren = new RelayToChildren({
      local,
      link,
      global: this.#global,
      children: [...link.self.workers, ...link.self.services],
      queueLimit,
      heldAnswers: this.#heldAnswers,
      outcomes: this.#outcomes,
      refusedStreams: this.#refusedStreams,
      remoteHost: (to) => this.#remoteHost(to),
      receiver: () => this.#receiver,
      report: options.report,
    });
    this.#fromChildren = new RelayFromChildren({
      local,
      link,
      global: this.#global,
      heldAnswers: this.#heldAnswers,
      outcomes: this.#outcomes,
      refusedStreams: this.#refusedStreams,
      reachable: () => this.#reachable,
      untakenBy: (child) => this.#toChildren.untakenBy(child),
      remoteHost: (to) => this.#remoteHost(to),
      receiver: () => this.#receiver,
    });
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
    this.#local.relayTo((from, to, payload) => this.#fromChildren.relay(from, to, payload));
    this.#local.admitted((child) => this.#toChildren.joined(child));
    this.#local.taken((child, taken) => this.#toChildren.taken(child, taken));
    this.#local.left((child, reason) => this.#toChildren.left(child, reason));
    this.#link.receive({
      deliver: (from, to, payload) => this.#toChildren.deliver(from, to, payload),
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

  answersHeldFor(to: Address): boolean {
    return this.#heldAnswers.holds(this.#global, to);
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
    if (host === undefined) return await this.#local.drained(limit, to);
    // Not before this manager's answers held for `to` went: until then,
    // what it sends `to` is refused as full (see `send`), whatever room
    // the window has. Resolved on room alone, a sender that drains and
    // sends again on QueueFullError spun without end, in microtasks that
    // left no turn to read the confirmations it waited for (the events
    // told another host's manager so, too: see `to_other_managers.ts`).
    await this.#heldAnswers.sentTo(this.#global, to);
    await this.#link.drained(this.#toLink(limit), host);
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
    this.#toChildren.close();
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
    this.#toChildren.exiting(child);
  }

  noReturn(child: Address): void {
    this.#toChildren.noReturn(child);
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

  /** Everything in flight to and from `host` may be lost: requests to it fail. */
  #lost(host: string, reason: Error | undefined): void {
    const record = this.#link.hosts().find((h) => h.host === host);
    if (record) this.#outcomes.hostLost(record, reason);
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
