/**
 * `UnixEndpoint`: one process's end of the Unix-socket transport. It
 * listens at its own socket file, admits who dials it through the gate,
 * and keeps one link to send on per peer. Children dial the manager when
 * they join and each other on first use; the manager never dials. Which
 * link it sends on when two children dial each other at once is
 * `link_table.ts`'s rule; what it relays to and from other hosts, when the
 * cluster spans several, is `relaying.ts`'s; what a link's close leaves
 * behind is `link_closes.ts`'s.
 *
 * @module
 */

import { type Address, describe, MANAGER } from "../address.ts";
import { asError } from "../as_error.ts";
import { copyFrame } from "../binary_frame.ts";
import { ClosedError, FrameError } from "../errors.ts";
import {
  CLOSED,
  type Endpoint,
  type EndpointOptions,
  type LastSent,
  type Payload,
  type Receiver,
  UNREACHABLE,
} from "../transport.ts";
import type { ConnectionStats } from "../stats.ts";
import { Acceptor } from "./acceptor.ts";
import { HEADER_SIZE } from "./frame.ts";
import { Gate } from "./gate.ts";
import {
  actionOf,
  HANDSHAKE_FRAME_LIMIT,
  helloPayload,
  isWelcome,
  WELCOME_PAYLOAD,
} from "./handshake.ts";
import { Link } from "./link.ts";
import { LinkCloses } from "./link_closes.ts";
import { LinkTable } from "./link_table.ts";
import { CUT_OFF, DELIVER, isRelay } from "./relay.ts";
import { BAD_RELAY, type Relayer, Relaying } from "./relaying.ts";
import { SocketConnection } from "./socket_connection.ts";
import { Sockets, type UnixConfig } from "./sockets.ts";

/** How long a graceful close waits for queued payloads to be written, in ms. */
const CLOSE_TIMEOUT = 2_000;

/** What arrived before the receiver was set, kept for it. */
type Held =
  | { from: Address; payloads: Uint8Array[] }
  | { gone: Address; reason?: Error; last: LastSent };

/** One process's end of the Unix-socket transport. */
export class UnixEndpoint implements Endpoint {
  readonly self: Address;
  readonly overhead: number = HEADER_SIZE;
  readonly #config: UnixConfig;
  readonly #options: EndpointOptions;
  readonly #sockets: Sockets;
  readonly #gate: Gate;
  readonly #relaying: Relaying;
  /** What each link's close leaves behind. */
  readonly #closes: LinkCloses;
  #acceptor: Acceptor | undefined;
  #accepting: Promise<void> | undefined;
  readonly #links = new LinkTable();
  /** By link: settles when it has closed and been accounted for. */
  readonly #ended = new Map<Link, Promise<void>>();
  #receiver: Receiver | undefined;
  #receiving = false;
  /** Told of each peer whose connection to this endpoint is admitted. */
  #onAdmitted: ((address: Address) => void) | undefined;
  /** In a manager: told when a child's connection closed, and why, if it broke. */
  #onLeft: ((child: Address, reason: Error | undefined) => void) | undefined;
  #held: Held[] = [];
  #state: "open" | "closing" | "closed" = "open";
  readonly #closed = Promise.withResolvers<Error | undefined>();

  /**
   * Listens at the socket of `self` and, in a child, joins the manager
   * meanwhile: resolves once the manager has welcomed it.
   *
   * @throws {Error} When it cannot listen, or the manager cannot be reached
   * or refuses; nothing is left open.
   */
  static async open(
    config: UnixConfig,
    self: Address,
    options: EndpointOptions,
  ): Promise<UnixEndpoint> {
    const endpoint = new UnixEndpoint(config, self, options);
    try {
      endpoint.#serve(
        await Acceptor.listen(endpoint.#sockets.path(self), HANDSHAKE_FRAME_LIMIT, options.report),
      );
      // A child listens before it joins: its manager takes the join to mean
      // it does (what siblings hold for it goes then). No timer of our own:
      // a manager that never answers leaves the child unready, and the
      // manager kills a child not ready within startTimeout.
      if (self !== MANAGER) await endpoint.#dial(MANAGER).welcome!.promise;
    } catch (error) {
      endpoint.close();
      await endpoint.closed;
      throw error;
    }
    return endpoint;
  }

  private constructor(config: UnixConfig, self: Address, options: EndpointOptions) {
    this.self = self;
    this.#config = config;
    this.#options = options;
    this.#sockets = new Sockets(config);
    this.#relaying = new Relaying(config.gateway, this.#sockets, options.maxPayload);
    this.#gate = new Gate({
      self,
      token: config.token,
      refusal: (from) => this.#refusal(from),
      report: options.report,
    });
    this.#closes = new LinkCloses({
      self,
      links: this.#links,
      gate: this.#gate,
      state: () => this.#state,
      left: (child, reason) => this.#onLeft?.(child, reason),
      gone: (peer, reason, last) => this.#gone(peer, reason, last),
      report: options.report,
    });
  }

  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  limitName(to: Address): string | undefined {
    return this.#relaying.limitName(to);
  }

  maxPayload(to: Address): number {
    return this.#relaying.maxPayload(to);
  }

  queueKey(to: Address): unknown {
    // A child's sends to other hosts all wait on its connection to its manager.
    return this.#linkFor(to) ?? to;
  }

  queueCost(to: Address, size: number): number {
    return HEADER_SIZE + this.#relaying.headSize(to) + size;
  }

  receive(receiver: Receiver): void {
    if (this.#receiving) throw new Error("An endpoint has one receiver");
    this.#receiving = true;
    // Never during this call: the caller may not be ready for it yet. What
    // arrives meanwhile is held, behind what was held before.
    queueMicrotask(() => {
      this.#receiver = receiver;
      const held = this.#held;
      this.#held = [];
      for (const event of held) {
        if ("gone" in event) receiver.gone(event.gone, event.reason, event.last);
        else this.#deliver(this.#links.get(event.from), event.from, event.payloads);
      }
    });
  }

  unreachableWhy(to: Address): string | undefined {
    if (!this.#relaying.relayed(to) || this.#relaying.othersReachable) return undefined;
    return CUT_OFF;
  }

  send(to: Address, payload: Payload, limit?: number): number {
    if (this.#state !== "open") return CLOSED;
    if (this.#relaying.relayed(to)) {
      return this.#relaying.forward(this.#links.get(MANAGER), to, payload, limit);
    }
    const link = this.#links.get(to) ?? this.#dialPeer(to);
    // Its process ended: sent, it would be lost; refused, it may wait for the next.
    if (link === undefined || link.ended) return UNREACHABLE;
    return link.send(payload, limit, this.#options.maxPayload);
  }

  sent(to: Address): number {
    return this.#relaying.forwarded(to);
  }

  queued(to: Address): number {
    return this.#linkFor(to)?.connection.bufferedBytes ?? 0;
  }

  async drained(limit: number, to?: Address): Promise<void> {
    // One peer, as `drain(to)` asks after each send: no list and no Promise.all.
    if (to !== undefined) {
      const link = this.#linkFor(to);
      if (link) await this.#linkDrained(link, limit);
      return;
    }
    const links = this.#links.named();
    await Promise.all(links.map((link) => link && this.#linkDrained(link, limit)));
  }

  /**
   * Resolves once at most `limit` bytes are queued on `link`; if it closed,
   * once its close is accounted for: one never welcomed gives back then
   * what it carried, for the receiver to hold or send again.
   */
  async #linkDrained(link: Link, limit: number): Promise<void> {
    await link.connection.drained(limit);
    if (link.connection.isClosed) await this.#ended.get(link);
  }

  /**
   * Tells `listener` of each peer whose connection to this endpoint is
   * admitted, once its welcome is queued: in a manager, a child that joined.
   */
  admitted(listener: (address: Address) => void): void {
    this.#onAdmitted = listener;
  }

  /**
   * In the manager of a cluster that spans several hosts: hands what its
   * children relay to other hosts to `relayer`.
   */
  relayTo(relayer: Relayer): void {
    this.#relaying.relayTo(relayer);
  }

  /**
   * In that manager: tells `listener` how many more of the frames it
   * delivered (`deliverFrom`) a child read and handed on, as the child says;
   * `"rest"` as the child closes gracefully: it takes all that still comes.
   */
  taken(listener: (child: Address, taken: number | "rest") => void): void {
    this.#relaying.taken(listener);
  }

  /**
   * In that manager: tells `listener` when a child's connection closed,
   * with the error that closed it, if one did.
   */
  left(listener: (child: Address, reason: Error | undefined) => void): void {
    this.#onLeft = listener;
  }

  /**
   * In that manager: delivers a message from another host's process to the
   * child `to`, attested as from `from`.
   *
   * @returns Its size, or a negative code: `UNREACHABLE` when `to` is not
   * connected, `TOO_LARGE` when its relay frame is over `to`'s frame limit.
   */
  deliverFrom(to: Address, from: Address, payload: Uint8Array, limit?: number): number {
    const link = this.#links.get(to);
    if (this.#state !== "open" || !link) return UNREACHABLE;
    return this.#relaying.deliver(link, from, payload, limit);
  }

  /**
   * In that manager: tells the child `to` that `address` on another host
   * is gone (what was in flight may be lost), and why, when it should be
   * reported there; and what is known of the last payloads it sent
   * `address` (see {@linkcode Receiver.gone}).
   */
  tellGone(to: Address, address: Address, reason?: string, last: LastSent = {}): boolean {
    const link = this.#links.get(to);
    if (this.#state !== "open" || !link) return false;
    return this.#relaying.tellGone(link, address, reason, last);
  }

  /**
   * In that manager: tells the child `to` that a message it sent `address`
   * on another host was refused there, and why; nothing else ends with it.
   */
  tellRefused(to: Address, address: Address, reason: string): boolean {
    const link = this.#links.get(to);
    if (this.#state !== "open" || !link) return false;
    return this.#relaying.tellRefused(link, address, reason);
  }

  /** The link what is sent to `to` goes on: through the manager when it is remote. */
  #linkFor(to: Address): Link | undefined {
    return this.#relaying.relayed(to) ? this.#links.get(MANAGER) : this.#links.get(to);
  }

  /**
   * In that manager: tells the child `to` whether the other hosts can be
   * reached now; while they cannot, it refuses what it would send them.
   */
  tellReachable(to: Address, reachable: boolean): boolean {
    const link = this.#links.get(to);
    if (this.#state !== "open" || !link) return false;
    return this.#relaying.tellReachable(link, reachable);
  }

  ended(peer: Address): void {
    // The manager learns it from its child's own process, not from a word.
    if (this.self === MANAGER || this.#relaying.relayed(peer)) return;
    for (const link of this.#links.to(peer)) link.ended = true;
  }

  connected(): Address[] {
    return this.#links.peers();
  }

  connections(): ConnectionStats[] {
    return this.#links.named().map((link) => link.stats());
  }

  /** The connections to `peer`, the one sent on first: for tests and diagnostics. */
  connectionsTo(peer: Address): SocketConnection[] {
    return this.#links.to(peer).map((link) => link.connection);
  }

  close(reason?: Error): void {
    if (this.#state !== "open") return;
    this.#state = "closing";
    this.#shutDown(reason);
  }

  async #shutDown(reason: Error | undefined): Promise<void> {
    this.#acceptor?.close();
    await this.#accepting;
    this.#gate.close();
    // A child closing gracefully reads on until its manager closes too: so
    // it says, lest what was relayed to it and not said taken yet be refused.
    const manager = this.#relaying.spansHosts && this.self !== MANAGER
      ? this.#links.get(MANAGER)
      : undefined;
    if (reason === undefined && manager) this.#relaying.sayTaken(manager, "rest");
    const links = this.#links.all();
    for (const link of links) {
      // One still in its handshake is owed nothing, and is closed at once:
      // closed gracefully, one that never hangs up (it never said hello, and
      // the gate's timers are stopped) kept a child reading, and running,
      // until its manager killed it stopTimeout later.
      const stranger = link.address === undefined;
      link.connection.close(
        stranger ? new ClosedError(`${describe(this.self)} closed before its hello`) : reason,
      );
    }
    // A peer that stopped reading would keep queued bytes, and us, forever;
    // at the manager, one that never hangs up its end would keep us reading
    // (its children have exited by now). A child reads on: its manager may
    // still be writing what the child said it takes.
    const giveUp = setTimeout(() => {
      for (const link of links) {
        const unsent = link.connection.bufferedBytes;
        if (unsent === 0 && this.self !== MANAGER) continue;
        const error = new ClosedError(
          unsent > 0
            ? `Closed the connection to ${link.name} with ${unsent} bytes unsent: it stopped reading`
            : `Closed the connection to ${link.name}: it did not close its end within ${CLOSE_TIMEOUT} ms`,
        );
        if (unsent > 0) this.#options.report(error);
        link.connection.close(error);
      }
    }, CLOSE_TIMEOUT);
    while (this.#ended.size > 0) await Promise.all(this.#ended.values());
    clearTimeout(giveUp);
    this.#state = "closed";
    this.#closed.resolve(reason);
  }

  #serve(acceptor: Acceptor): void {
    this.#acceptor = acceptor;
    this.#accepting = (async () => {
      for await (const connection of acceptor) this.#greet(connection);
    })().catch(this.#options.report);
  }

  #greet(connection: SocketConnection): void {
    if (this.#state !== "open") return connection.close();
    const link = new Link(connection);
    this.#gate.greet(link);
    this.#links.greeted(link);
    this.#watch(link);
  }

  /**
   * Opens a link to `address` that says hello first; what is sent on it
   * waits for the `$welcome`.
   */
  #dial(address: Address): Link {
    const hello = helloPayload({ from: this.self, token: this.#config.token });
    const connection = SocketConnection.dial(
      this.#sockets.path(address),
      hello,
      this.#options.maxPayload,
    );
    const link = new Link(connection, address);
    link.welcome = Promise.withResolvers<void>();
    // Its own failure is reported by whoever waits; this one is for the watch.
    link.welcome.promise.catch(() => {});
    this.#links.dialed(address, link);
    this.#watch(link);
    return link;
  }

  /**
   * Dials another child the first time something is sent to it; undefined
   * (nothing is sent) for the manager, from the manager, and for a child
   * with no socket file: still starting, or dead (the manager removes a
   * dead child's file before it tells anyone).
   */
  #dialPeer(address: Address): Link | undefined {
    if (address === MANAGER || this.self === MANAGER || address === this.self) return undefined;
    if (!this.#sockets.has(address) || !this.#sockets.exists(address)) return undefined;
    return this.#dial(address);
  }

  #refusal(from: Address): string | undefined {
    if (this.self !== MANAGER && from === MANAGER) return "the manager never dials children";
    if (from === this.self) return `${describe(from)} is this process`;
    if (!this.#sockets.has(from)) return `${describe(from)} is not in this cluster`;
    // A child is connected to the manager once; a restarted one comes back
    // after the old connection closed with the old process.
    if (this.self === MANAGER) {
      return this.#links.has(from) ? `${describe(from)} is connected already` : undefined;
    }
    // Two links when both dialed at once; a third is no race.
    if (this.connectionsTo(from).length >= 2) return `${describe(from)} is connected twice already`;
    return undefined;
  }

  #watch(link: Link): void {
    link.connection.receive((payloads) => this.#onPayloads(link, payloads));
    const ended = link.connection.closed.then((reason) => this.#closes.onClosed(link, reason));
    this.#ended.set(
      link,
      ended.catch(this.#options.report).finally(() => this.#ended.delete(link)),
    );
  }

  #onPayloads(link: Link, payloads: readonly Uint8Array[]): void {
    // Refused or dropped: what it still sends is nobody's, a late hello included.
    if (link.dropped) return;
    let rest = payloads;
    if (link.address === undefined) {
      const from = this.#gate.admit(link, payloads[0]);
      if (from === undefined) return;
      this.#admit(link, from);
      rest = payloads.slice(1);
    } else if (link.welcome) {
      if (!isWelcome(payloads[0])) {
        const action = actionOf(payloads[0]);
        const what = action ?? "a frame that is not a message";
        return this.#drop(
          link,
          new FrameError(`Bad frame from ${link.name}: unexpected "${what}" before $welcome`, {
            action,
            peer: link.address,
          }),
        );
      }
      link.connection.admitted();
      link.welcome.resolve();
      link.welcome = undefined;
      rest = payloads.slice(1);
    }
    if (rest.length === 0) return;
    link.received(rest);
    if (!rest.some(isRelay)) return this.#deliver(link, link.address!, rest);
    const delivered = this.#deliverWithRelays(link, rest);
    // Said once they are handed on: what the manager relayed and never
    // heard taken, if this process dies, is refused to its senders.
    if (delivered > 0 && !link.dropped) this.#relaying.sayTaken(link, delivered);
  }

  /**
   * Delivers a batch that holds relay frames, everything in order.
   *
   * @returns How many DELIVER frames from the manager it handed on.
   */
  #deliverWithRelays(link: Link, payloads: readonly Uint8Array[]): number {
    let start = 0;
    let delivered = 0;
    for (let i = 0; i <= payloads.length && !link.dropped; i++) {
      if (i < payloads.length && !isRelay(payloads[i])) continue;
      if (i > start) this.#deliver(link, link.address!, payloads.slice(start, i));
      start = i + 1;
      if (i < payloads.length && !link.dropped && this.#relay(link, payloads[i])) delivered++;
    }
    return delivered;
  }

  /**
   * Handles one relay frame, if it came the way that kind may come.
   *
   * @returns Whether it was a DELIVER frame from the manager, handed on.
   */
  #relay(link: Link, payload: Uint8Array): boolean {
    const read = this.#relaying.read(link, payload);
    if (read.kind === DELIVER) {
      // Bad bytes from another host are its sender's, not the manager's
      // that relayed them: reported, and the connection carries on.
      this.#deliver(undefined, read.address, [read.body]);
      return true;
    } else if (read.kind === "gone") {
      if (read.error) this.#options.report(read.error);
      // A refused message ends nothing: what waits on its target is settled on its own.
      if (!read.reportOnly) this.#gone(read.address, read.error, read.last);
    } else if (read === BAD_RELAY) {
      this.#drop(
        link,
        new FrameError(`Bad frame from ${link.name}: an unexpected relay frame`, {
          peer: link.address,
        }),
      );
    }
    return false;
  }

  #admit(link: Link, from: Address): void {
    link.address = from;
    link.connection.maxFrameSize = this.#options.maxPayload;
    this.#links.admit(link);
    // The handshake is not traffic: not counted.
    link.connection.send(WELCOME_PAYLOAD);
    this.#onAdmitted?.(from);
    if (this.self === MANAGER) this.#receiver?.joined?.(from);
  }

  #deliver(link: Link | undefined, from: Address, payloads: readonly Uint8Array[]): void {
    if (!this.#receiver) {
      this.#held.push({ from, payloads: payloads.map(copyFrame) });
      return;
    }
    try {
      this.#receiver.deliver(from, payloads);
    } catch (error) {
      if (link) this.#drop(link, asError(error));
      else this.#options.report(asError(error));
    }
  }

  /** Closes a link that broke the protocol (or met a bug), and reports why. */
  #drop(link: Link, error: Error): void {
    if (link.dropped) return;
    link.dropped = true;
    this.#options.report(error);
    link.connection.close(error);
  }

  #gone(peer: Address, reason: Error | undefined, last: LastSent = {}): void {
    if (this.#state !== "open") return;
    if (this.#receiver) this.#receiver.gone(peer, reason, last);
    else this.#held.push({ gone: peer, reason, last });
  }
}
