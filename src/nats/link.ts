/**
 * `NatsLink`: a host's way to the other hosts of its cluster over core
 * NATS. Each host's manager subscribes to one subject, `<prefix>.<host>`;
 * whatever a process of this host sends to a process of another is
 * published there in an envelope that says who sent it to whom.
 *
 * Core NATS delivers at most once and cuts slow consumers off, so the link
 * keeps what the layers above promise:
 * - **Order and gaps.** Per sending host, per connection to the server (an
 *   epoch), and per count within it (a round: a host that forgot the
 *   receiving host counts afresh), messages carry a sequence number; a gap (what the server
 *   dropped while the receiver was away, say) is reported on both sides and
 *   fails what was in flight (`lost`), never passed over. After a reconnect
 *   the sender says how many it had sent, so a loss at the end shows too
 *   (again to a host that was away then, once it is back), and the
 *   receiver confirms that count: what of it nothing confirms (the
 *   receiver leaves, or this host stops or drops again first) is told to
 *   its senders as in doubt. And the receiver asks each host how many it
 *   has sent, as what they sent while it was away (they saw no drop) is
 *   lost without a trace. A loss at the end, with nothing after it to
 *   show the gap, shows as the sender, its messages unconfirmed for a
 *   patience, tells the receiver how many it sent (`TailCheck`).
 *   (`IncomingOrder` counts what comes in, `SendWindows` what goes out,
 *   `Recounts` tells the others the counts.)
 * - **Bounded memory.** The receiver confirms what it has (acks); the
 *   sender refuses (`FULL`) what would leave more than the limit
 *   unconfirmed to one host, so nothing piles up in the client or server.
 *   Nothing is kept for a host that is not a member (`Strangers`).
 * - **No silent drops while disconnected.** Sends are refused while the
 *   broker connection is down, and everything in flight is failed.
 * - **No silent drops as a host leaves.** A host that closes reads what was
 *   sent it until the server stops sending, then tells each host how much
 *   of theirs it had (a bye): what else they sent it is refused to its
 *   senders, and sends to it are refused from then on. A host that leaves
 *   without a bye (it died) may have had what it never confirmed, or not:
 *   that is told to their senders. (`Leaving` says and hears the byes.)
 * - **One process per name.** What this host reads while its keys may have
 *   expired, and another process may have taken its name (and so its
 *   subject), waits until a refresh settles it (`HeldWhileLapsed`); what
 *   its processes send meanwhile is refused, as it would go out under the
 *   addresses that process may hold; nor does it confirm what came, or say
 *   that one of its processes ended, until a refresh keeps its keys.
 *   (`Notices` holds those ends, and the bounces that wait for the
 *   connection.)
 *
 * What comes to this host's subject is read, checked and handed on by
 * `EnvelopeIntake`: the link itself sends, and follows its connection.
 * Hosts the server's permissions do not let it publish to are kept, from
 * the errors on that connection, by `ForbiddenHosts`.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/transport-node";
import { type Address, isManagerOf, managerOf } from "../address.ts";
import type {
  BounceDetails,
  BrokerLink,
  BrokerReceiver,
  HostRecord,
  MembershipChange,
} from "../broker.ts";
import { Callbacks } from "../callbacks.ts";
import { type Clock, SYSTEM_CLOCK } from "../clock.ts";
import { ClosedError, SwitchboardError } from "../errors.ts";
import { CLOSED, FULL, TOO_LARGE, UNREACHABLE } from "../transport.ts";
import type { ConnectionStats } from "../stats.ts";
import {
  AFTER_FORGETTING,
  ENVELOPE_OVERHEAD,
  type EnvelopePart,
  EnvelopeWriter,
  MESSAGE,
} from "./envelope.ts";
import { Batch } from "./batch.ts";
import { EarlyEnvelopes } from "./early_envelopes.ts";
import { EnvelopeIntake } from "./envelope_intake.ts";
import { ForbiddenHosts } from "./forbidden_hosts.ts";
import { HeldWhileLapsed } from "./held_while_lapsed.ts";
import type { Inbox } from "./inbox.ts";
import { IncomingOrder, MOST_FORGOTTEN } from "./incoming_order.ts";
import { Leaving } from "./leaving.ts";
import { Notices } from "./notices.ts";
import { type Outgoing, SendWindows } from "./send_windows.ts";
import { RecentNames } from "./recent_names.ts";
import { Recounts } from "./recounts.ts";
import { Strangers } from "./strangers.ts";
import { TailCheck } from "./tail_check.ts";

/** What the link needs of the cluster's membership. */
export interface Members {
  /** This host. */
  readonly self: HostRecord;
  /** Every live host, this one included. */
  hosts(): HostRecord[];
  /** The host a worker id or service name is on. */
  hostOf(address: number | string): string | undefined;
  /** Listens for hosts joining and leaving. */
  onChange(listener: (change: MembershipChange) => void): () => void;
  /** Whether this host's keys may have expired, and another process hold its name now. */
  mayHaveLapsed(): boolean;
  /** Listens for the end of each refresh of this host's keys: all kept, or one lost (it leaves). */
  onRefreshed(listener: (kept: boolean) => void): () => void;
  /** Leaves cleanly. */
  leave(): Promise<void>;
  /** Stops without leaving. */
  close(): void;
}

/** Options of {@linkcode NatsLink}. */
export interface NatsLinkOptions {
  /** The subject prefix of the cluster: `<prefix>.<host>` is a host's. */
  prefix: string;
  /** This host's subject, subscribed to before it joined: what it was sent since waits there. */
  inbox: Pick<Inbox, "take" | "drain">;
  /** Bytes sent to one host and not yet confirmed above which sends are refused. */
  window: number;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
  /**
   * Milliseconds a message to another host may go unconfirmed before that
   * host is told how many were sent it (see `TailCheck`); default 1 000,
   * a heartbeat's default.
   */
  patience?: number;
  /** What the patience is measured on (default: the machine's clock). */
  clock?: Clock;
}

/** A host's way to the others over core NATS. */
export class NatsLink implements BrokerLink {
  readonly self: HostRecord;
  readonly maxPayload: number;
  readonly limitName: string;
  readonly window: number;
  readonly #nc: NatsConnection;
  readonly #writer: EnvelopeWriter;
  readonly #members: Members;
  readonly #options: NatsLinkOptions;
  /** What went to each host, and what it confirmed. */
  readonly #windows = new SendWindows();
  /** What came from each host: its order, gaps and confirmations. */
  readonly #incoming = new IncomingOrder({
    publish: (host, part) => this.#publish(host, part),
    receiver: () => this.#receiver,
    // Not while this host's keys may have lapsed: a confirmation that goes
    // then (an ack timer set before a pause) would be counted against the
    // process that may hold its name now, which never had those messages.
    canAck: () => this.#up && !this.#closing && !this.#members.mayHaveLapsed(),
    report: (error) => this.#options.report(error),
  });
  /** The counts told the others of what went to them, and what they say they never had. */
  readonly #recounts: Recounts;
  /** What asks a host that leaves this host's last messages unconfirmed. */
  readonly #tails: TailCheck;
  /** What waits to be published to each host, at the end of this task. */
  readonly #batches = new Map<string, Batch>();
  /** The byes said and heard, and the hosts that leave without one. */
  readonly #leaving: Leaving;
  /** The bounces and ends told the others, and those that wait until this host can speak. */
  readonly #notices: Notices;
  /** Envelopes from hosts the membership does not know yet. */
  readonly #early = new EarlyEnvelopes((envelope) => this.#intake.handle(envelope));
  /** What hosts that are not members send: dropped, counted. */
  readonly #strangers: Strangers;
  /**
   * The latest names whose envelopes were dropped as strangers', at most
   * {@linkcode MOST_FORGOTTEN}: one that joins after is asked how many it
   * sent (see `#joined`).
   */
  readonly #droppedFrom = new RecentNames(MOST_FORGOTTEN);
  /** What is read while this host's membership may have lapsed: another may have its name. */
  readonly #lapse: HeldWhileLapsed;
  /** What reads the envelopes that come, and hands each on. */
  readonly #intake: EnvelopeIntake;
  /** The names of the hosts the membership knows: made again when hosts come or go. */
  #hostNames: Set<string> | undefined;
  /** The most one published message holds. */
  readonly #maxMessage: number;
  #receiver: BrokerReceiver | undefined;
  /** Names this host's current connection to the server: new after each reconnect. */
  #epoch = newEpoch();
  /** Hosts whose subject the server does not let this one publish to (NATS permissions). */
  readonly #forbidden: ForbiddenHosts;
  #up = true;
  /** Told when the connection to the server drops and comes back. */
  readonly #reachability = new Callbacks<(reachable: boolean) => void>();
  /** Told of another host that says it is back (see `onBack`). */
  readonly #back = new Callbacks<(host: string) => void>();
  /** Told of another host that never had some of this host's messages (see `onMissed`). */
  readonly #missed = new Callbacks<(host: string) => void>();
  #closing: Promise<void> | undefined;
  #stoppedReading: Promise<void> | undefined;
  /** Said once the connection closed for good, not by this link (see `#closedForGood`). */
  #gaveUp: SwitchboardError | undefined;

  constructor(nc: NatsConnection, members: Members, options: NatsLinkOptions) {
    this.#nc = nc;
    this.#members = members;
    this.#options = options;
    this.window = options.window;
    this.self = members.self;
    this.#writer = new EnvelopeWriter(members.self.host);
    this.#leaving = new Leaving({
      self: members.self.host,
      hosts: () => this.hosts().map((record) => record.host),
      windows: this.#windows,
      incoming: this.#incoming,
      publish: (host, part) => this.#publish(host, part),
      receiver: () => this.#receiver,
    });
    this.#recounts = new Recounts({
      self: members.self.host,
      hosts: () => this.hosts().map((record) => record.host),
      epoch: () => this.#epoch,
      windows: this.#windows,
      incoming: this.#incoming,
      publish: (host, part) => this.#publish(host, part),
      receiver: () => this.#receiver,
      report: (error) => this.#options.report(error),
      back: (host) => {
        for (const listener of this.#back.list) listener(host);
      },
      missed: (host) => {
        for (const listener of this.#missed.list) listener(host);
      },
    });
    this.#tails = new TailCheck({
      patience: options.patience ?? 1_000,
      clock: options.clock ?? SYSTEM_CLOCK,
      windows: () => this.#windows.opened(),
      canTell: (host) => this.#canTell(host),
      tellSent: (host, out) => this.#recounts.tellSent(host, out),
    });
    this.#notices = new Notices({
      self: members.self.host,
      hosts: () => this.hosts().map((record) => record.host),
      hostOf: (address) => this.hostOf(address),
      knows: (host) => this.#knows(host),
      up: () => this.#up,
      closing: () => this.#closing !== undefined,
      mayHaveLapsed: () => members.mayHaveLapsed(),
      incoming: this.#incoming,
      publish: (host, part) => this.#publish(host, part),
      report: (error) => this.#options.report(error),
    });
    this.#strangers = new Strangers(options.report);
    this.#forbidden = new ForbiddenHosts({
      prefix: options.prefix,
      self: members.self.host,
      knows: (host) => this.#knows(host),
      windows: this.#windows,
      leaving: this.#leaving,
      receiver: () => this.#receiver,
      report: (error) => this.#options.report(error),
    });
    this.#intake = new EnvelopeIntake({
      self: members.self.host,
      subject: this.#subject(members.self.host),
      knows: (host) => this.#knows(host),
      hostOf: (address) => members.hostOf(address),
      epoch: () => this.#epoch,
      windows: this.#windows,
      outgoing: (host) => this.#outgoing(host),
      incoming: this.#incoming,
      recounts: this.#recounts,
      leaving: this.#leaving,
      early: this.#early,
      strangers: this.#strangers,
      droppedFrom: this.#droppedFrom,
      receiver: () => this.#receiver,
      report: (error) => this.#options.report(error),
    });
    this.#lapse = new HeldWhileLapsed(
      () => members.mayHaveLapsed(),
      (bytes) => this.#intake.onMessages(bytes),
    );
    members.onRefreshed((kept) => this.#onRefreshed(kept));
    this.#maxMessage = nc.info?.max_payload ?? 1024 * 1024;
    // A message over the window could never go: its sender would be told
    // to drain a queue that is empty. Refused as too large, saying which.
    const carried = this.#maxMessage - ENVELOPE_OVERHEAD;
    this.maxPayload = Math.min(carried, options.window);
    this.limitName = carried <= options.window
      ? "NATS max_payload, less the envelope"
      : "natsBroker's window, below NATS max_payload: raise the window too";
    members.onChange((change) => {
      this.#hostNames = undefined;
      if (change.type === "left") this.#forget(change.host.host);
      // After the other listeners: the cluster's layout knows the host by then.
      else queueMicrotask(() => this.#joined(change.host.host));
    });
    this.#watchConnection();
    nc.closed().then((error) => this.#closedForGood(error));
  }

  hosts(): HostRecord[] {
    return this.#members.hosts();
  }

  hostOf(address: Address): string | undefined {
    if (isManagerOf(address)) {
      const host = address.slice(managerOf("").length);
      return this.#knows(host) ? host : undefined;
    }
    return this.#members.hostOf(address);
  }

  onChange(listener: (change: MembershipChange) => void): () => void {
    return this.#members.onChange(listener);
  }

  onReachable(listener: (reachable: boolean) => void): () => void {
    return this.#reachability.add(listener);
  }

  onBack(listener: (host: string) => void): () => void {
    return this.#back.add(listener);
  }

  onMissed(listener: (host: string) => void): () => void {
    return this.#missed.add(listener);
  }

  receive(receiver: BrokerReceiver): void {
    this.#receiver = receiver;
    this.#options.inbox.take((bytes) => this.#lapse.take(bytes));
  }

  send(
    from: Address,
    to: Address,
    payload: Uint8Array | string,
    limit = this.#options.window,
  ): number {
    if (this.#closing) return CLOSED;
    const host = this.hostOf(to);
    if (!this.#up || host === undefined || host === this.self.host) return UNREACHABLE;
    if (this.#leaving.saidBye(host) || this.#forbidden.has(host)) return UNREACHABLE;
    // Another process may have this host's name, and its processes' addresses, now.
    if (this.#members.mayHaveLapsed()) return UNREACHABLE;
    if (payload.length > this.maxPayload) return TOO_LARGE;
    const out = this.#outgoing(host);
    const room = Math.min(limit, this.#options.window) - (out.sentBytes - out.ackedBytes);
    // Text is at least a byte a unit: refused early when that is too much already.
    if (payload.length > room) return FULL;
    const batch = this.#batch(host);
    const bodySize = this.#writer.write(
      batch,
      MESSAGE,
      this.#epoch,
      out.round,
      out.seq,
      from,
      to,
      payload,
    );
    if (bodySize > this.maxPayload || bodySize > room) {
      // Taken back (writing may have published what waited before it).
      batch.used = batch.last;
      return bodySize > this.maxPayload ? TOO_LARGE : FULL;
    }
    out.sentBytes += bodySize;
    out.inFlight.add(out.seq++, out.sentBytes, from, to);
    out.stats.messagesOut++;
    out.stats.bytesOut += bodySize;
    this.#tails.sent();
    return bodySize;
  }

  bounce(from: Address, to: Address, reason: string, details: BounceDetails = {}): void {
    this.#notices.bounce(from, to, reason, details);
  }

  ended(address: Address, reason?: string, after?: Promise<void>): void {
    this.#notices.ended(address, reason, after);
  }

  queued(host: string): number {
    return this.#windows.queued(host);
  }

  drained(limit: number, host?: string): Promise<void> {
    return this.#windows.drained(limit, host);
  }

  connections(): ConnectionStats[] {
    return this.#windows.connections();
  }

  /**
   * Reads what the others sent until the server stops sending; what this
   * host answers meanwhile still goes, before its bye (see `#close`).
   */
  stopReading(): Promise<void> {
    this.#stoppedReading ??= this.#options.inbox.drain().catch((error) => {
      // A connection closed for good was said as it closed: nothing is left to read.
      if (this.#gaveUp === undefined) this.#options.report(error);
    });
    return this.#stoppedReading;
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  abandon(): void {
    this.#closing ??= Promise.resolve();
    this.#incoming.stop();
    this.#tails.stop();
    this.#strangers.stop();
    this.#members.close();
    this.#nc.close().catch(() => {});
  }

  async #close(): Promise<void> {
    for (const batch of this.#batches.values()) batch.flush();
    const neverHad = new Set(this.#early.clear());
    // What the others sent until the server stops sending is read (and
    // bounced: this host's children are gone), if it was not before, and
    // each is told how much of it came, before this host leaves: what they
    // sent after never will.
    await this.stopReading();
    for (const host of this.#early.clear()) neverHad.add(host);
    // Bounces held go first, if this host can speak; if it cannot, they
    // never will: said here, as their senders will not hear them.
    this.#notices.sendOrDropHeldBounces();
    // Keys that may have lapsed may be another process's now (see
    // `mayHaveLapsed`): a bye under the name would be taken as its, and the
    // others would count it gone for good. So this host leaves unsaid, and
    // they settle what they sent it as for a host that died.
    if (this.#up && !this.#members.mayHaveLapsed()) this.#leaving.sayBye(neverHad);
    this.#leaving.tellUnsettled(this.#up ? "stopped" : "stopped, cut off from the NATS server,");
    for (const batch of this.#batches.values()) batch.flush();
    this.#incoming.stop();
    this.#tails.stop();
    this.#strangers.stop();
    // The byes reach the server before the others see this host leave.
    await this.#nc.flush().catch(() => {});
    await this.#members.leave().catch(this.#options.report);
    this.#windows.releaseAll();
    await this.#nc.drain().catch(() => this.#nc.close());
  }

  /**
   * A round of refreshes of this host's keys ended. Kept, and no longer
   * lapsed, it does what it held back meanwhile; lost, another process
   * holds its name or ids, and this host, which leaves, speaks for none of
   * them: what it held back is dropped.
   */
  #onRefreshed(kept: boolean): void {
    this.#lapse.settled(kept);
    if (!kept) {
      this.#notices.dropHeldBounces("taken");
      return this.#notices.dropEndedUntold();
    }
    if (this.#members.mayHaveLapsed()) return;
    // What came before the lapse, and could not be confirmed during it.
    this.#incoming.ackUnconfirmed();
    this.#notices.sendHeldBounces();
    this.#notices.sendEndedUntold();
    // Hosts whose envelopes were dropped, and that joined while this
    // host's keys may have lapsed (see `#joined`): asked now.
    if (!this.#up || this.#closing) return;
    for (const { host } of this.hosts()) {
      if (host !== this.self.host && this.#droppedFrom.take(host)) this.#recounts.askSent(host);
    }
  }

  #subject(host: string): string {
    return `${this.#options.prefix}.${host}`;
  }

  #publish(host: string, part: EnvelopePart): void {
    const { kind, round = 0, seq, from, to, body } = part;
    this.#writer.write(this.#batch(host), kind, this.#epoch, round, seq, from, to, body);
  }

  /** The batch for `host`, which publishes on its subject at the end of the task. */
  #batch(host: string): Batch {
    let batch = this.#batches.get(host);
    if (!batch) {
      const subject = this.#subject(host);
      batch = new Batch(this.#maxMessage, (bytes) => {
        try {
          this.#nc.publish(subject, bytes);
        } catch (error) {
          // Closed or draining: the status watch fails what was in flight.
          this.#options.report(error as Error);
        }
      });
      this.#batches.set(host, batch);
    }
    return batch;
  }

  /** The window to `host`; a host it forgot is first told what it had sent it before. */
  #outgoing(host: string): Outgoing {
    const out = this.#windows.get(host);
    if (out) return out;
    const forgotten = this.#windows.takeForgotten(host);
    if (forgotten) {
      this.#recounts.resume(host, forgotten, AFTER_FORGETTING);
    }
    return this.#windows.open(host);
  }

  /** Whether the membership knows `host`. */
  #knows(host: string): boolean {
    this.#hostNames ??= new Set(this.hosts().map((record) => record.host));
    return this.#hostNames.has(host);
  }

  /**
   * `host` joined: what it sent before it was seen, and waited, is handled.
   * What did not wait (too much waited, for too long, or for too many
   * hosts: made-up names fill the room) was dropped, and its senders were
   * told nothing, nor would they be until `host` sent more: so it is
   * asked how many it sent (as after a reconnect), and what never came is
   * reported on both sides.
   */
  #joined(host: string): void {
    this.#early.release(host);
    // Not while this host's keys may have lapsed: the answer would go to
    // the name's new process. Asked once a refresh keeps them (see
    // `#onRefreshed`); after a reconnect, every host is asked anyway.
    if (!this.#droppedFrom.has(host) || this.#closing || this.#members.mayHaveLapsed()) return;
    this.#droppedFrom.take(host);
    if (this.#up) this.#recounts.askSent(host);
  }

  /**
   * Whether `host` can be told what this host sent it, unasked: not while
   * this host's keys may have lapsed (the word would count against the
   * process that may hold its name now), nor to a host that said bye, or
   * that the server will not let this host publish to.
   */
  #canTell(host: string): boolean {
    if (!this.#up || this.#closing || this.#members.mayHaveLapsed()) return false;
    return !this.#leaving.saidBye(host) && !this.#forbidden.has(host);
  }

  /**
   * A host left: nothing is kept for it here (what its senders are told,
   * and what is kept of what came from it, see `Leaving.left`).
   */
  #forget(host: string): void {
    this.#forbidden.delete(host);
    this.#batches.delete(host);
    this.#leaving.left(host, this.#epoch);
  }

  /**
   * The connection closed, not by this link: the NATS client gave up
   * reconnecting (a `maxReconnectAttempts` given in `connection`). This
   * host is cut off from the others for good, which no send's refusal
   * says ("down" reads as for now): said once, here.
   */
  #closedForGood(error: Error | void): void {
    if (this.#closing) return;
    const cluster = this.#options.prefix.slice("switchboard.".length);
    const why = error ? ` (${error.message})` : "";
    this.#gaveUp = new SwitchboardError(
      `Host "${this.self.host}" of cluster "${cluster}" is cut off from the other hosts for good: ` +
        `its connection to the NATS server closed, and the NATS client gave up reconnecting${why}; ` +
        `start the host again to join (leave connection.maxReconnectAttempts unset to reconnect without end)`,
      { cause: error ?? undefined },
    );
    this.#options.report(this.#gaveUp);
  }

  /**
   * Follows the connection to the server: while it is down nothing is sent
   * (sends are refused) and what was in flight is failed; once back, a new
   * epoch starts, so that the others know to count afresh. A refused
   * publish is told too (see `ForbiddenHosts.onServerError`).
   */
  async #watchConnection(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === "error") this.#forbidden.onServerError(status.error);
      if (status.type === "disconnect" && this.#up) {
        this.#up = false;
        for (const listener of this.#reachability.list) listener(false);
        const reason = new ClosedError("The connection to the NATS server dropped");
        for (const record of this.hosts()) {
          if (record.host !== this.self.host) this.#receiver?.lost(record.host, reason);
        }
        this.#leaving.tellUnsettled("lost its connection to the NATS server again");
        this.#windows.endEpoch(this.#epoch);
      } else if (status.type === "reconnect") {
        this.#forbidden.clear();
        this.#epoch = newEpoch();
        this.#up = true;
        for (const listener of this.#reachability.list) listener(true);
        this.#recounts.reconnected();
        this.#notices.sendHeldBounces();
        this.#notices.sendEndedUntold();
      }
    }
  }
}

function newEpoch(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}
