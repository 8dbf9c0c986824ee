/**
 * The broker boundary: what joins the managers of several hosts into one
 * cluster. A broker (`natsBroker()` from `./nats`) gives the manager a
 * {@linkcode BrokerLink}: the cluster's membership, kept in the broker, and
 * a way to send payloads to processes on other hosts. The manager's
 * gateway (`gateway.ts`) puts it behind the same `Endpoint` as the local
 * sockets, so nothing above the transport boundary knows about hosts but
 * the addresses and the layout.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { ConnectionStats } from "./stats.ts";

/**
 * One host of a cluster, as the broker's membership records it.
 *
 * @example Find the host a worker runs on
 * ```ts
 * import type { Cluster, HostRecord } from "@switchboard/switchboard";
 *
 * export function hostOf(hosts: HostRecord[], worker: number): string | undefined {
 *   return hosts.find((record) => record.workers.includes(worker))?.host;
 * }
 *
 * export const whereIs = (cluster: Cluster, worker: number): string | undefined =>
 *   hostOf(cluster.stats().hosts ?? [], worker);
 *
 * const web1: HostRecord = { host: "web-1", workers: [0, 1], services: ["logger"] };
 * console.assert(hostOf([web1], 1) === "web-1");
 * ```
 */
export interface HostRecord {
  /** The host's name, unique in the cluster. */
  host: string;
  /** The worker ids it runs. */
  workers: number[];
  /** The services it runs. */
  services: string[];
}

/**
 * What a host asks for when it joins.
 *
 * @example Try a broker out, joining as a manager would
 * ```ts
 * import type { Broker, BrokerLink, JoinRequest } from "@switchboard/switchboard";
 *
 * export function joinForTest(broker: Broker): Promise<BrokerLink> {
 *   const request: JoinRequest = {
 *     workers: 4, // it gets the lowest 4 free worker ids
 *     services: ["logger"],
 *     maxQueuedBytes: 64 * 1024 * 1024,
 *     report: (error) => console.error("broker:", error),
 *   };
 *   return broker.join(request);
 * }
 * ```
 */
export interface JoinRequest {
  /** How many worker ids to take: the lowest free ones. */
  workers: number;
  /** The services it runs; their names must be free in the cluster. */
  services: readonly string[];
  /** Bytes queued (sent, not yet confirmed) per other host above which sends are refused. */
  maxQueuedBytes: number;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
}

/**
 * A change of the cluster's membership.
 *
 * @example Log hosts joining and leaving
 * ```ts
 * import type { BrokerLink, MembershipChange } from "@switchboard/switchboard";
 *
 * export function logMembership(link: BrokerLink): () => void {
 *   return link.onChange((change: MembershipChange) => {
 *     const { host, workers, services } = change.host;
 *     console.log(`host ${host} ${change.type}: workers ${workers}, services ${services}`);
 *   });
 * }
 * ```
 */
export interface MembershipChange {
  /** A host joined, or left (cleanly, or found dead). */
  type: "joined" | "left";
  /** The host. */
  host: HostRecord;
  /**
   * The id of the host's manager process, when the broker knows it: one
   * that joins under the name of another that left is a new process, to
   * which nothing told before it joined is told again. Without it, a
   * manager started again under a host's name counts as its first process:
   * once either host is back from being cut off (or says it missed some),
   * it is told the events from before it joined, as news.
   */
  process?: string;
}

/**
 * Joins hosts into one cluster: given to `Cluster.start({ broker })`.
 *
 * @example Wrap a broker to log each join
 * ```ts
 * import type { Broker } from "@switchboard/switchboard";
 *
 * export function logged(inner: Broker): Broker {
 *   return {
 *     async join(request) {
 *       const link = await inner.join(request);
 *       const others = link.hosts().filter((record) => record.host !== link.self.host);
 *       console.log(`joined as ${link.self.host}, with ${others.length} other hosts`);
 *       return link;
 *     },
 *   };
 * }
 * ```
 */
export interface Broker {
  /**
   * Joins this host to the cluster: claims worker ids and service names.
   *
   * @throws {Error} When the broker cannot be reached, or a service name is
   * taken by another host.
   */
  join(request: JoinRequest): Promise<BrokerLink>;
}

/**
 * Where a broker link delivers what comes from other hosts.
 *
 * @example Record what a link delivers, in a test of a broker
 * ```ts
 * import type { BrokerReceiver } from "@switchboard/switchboard";
 *
 * const delivered: string[] = [];
 * const receiver: BrokerReceiver = {
 *   deliver: (from, to, payload) => delivered.push(`${from} to ${to}: ${payload.length} bytes`),
 *   lost: (host, reason) => console.log(`traffic with ${host} may be lost`, reason),
 *   bounced: (from, to, reason) => console.log(`${from} to ${to} bounced: ${reason}`),
 *   unconfirmed: (host, from, to, count) => console.log(`${count} to ${to} on ${host} unconfirmed`),
 *   ended: (address, reason) => console.log(`${address} ended`, reason ?? "cleanly"),
 * };
 * receiver.deliver(0, "logger", new TextEncoder().encode("{}"));
 * console.assert(delivered[0] === "0 to logger: 2 bytes");
 * ```
 */
export interface BrokerReceiver {
  /** A payload from `from`, on another host, for `to`, on this one. */
  deliver(from: Address, to: Address, payload: Uint8Array): void;
  /**
   * What was in flight between this host and `host` may be lost: it left,
   * the broker connection dropped, or a gap was found in what it sent.
   */
  lost(host: string, reason: Error | undefined): void;
  /** `to`, on another host, could not be given what `from`, here, sent it. */
  bounced(from: Address, to: Address, reason: string, details?: BounceDetails): void;
  /**
   * `host` never confirmed `count` messages that `from`, here, sent `to`,
   * there, and nothing will: unlike a bounce, they may have been delivered,
   * or not. Told for each sender and target once `host` left without a bye
   * (it died, or was cut off; the leaving itself comes with `onChange`), or
   * as this host stops first, which `why` then says.
   */
  unconfirmed(host: string, from: Address, to: Address, count: number, why?: string): void;
  /**
   * `address`, a process of another host, ended: its connection to its
   * manager closed, for `reason` when it crashed (or was killed). What it
   * took it answered, or, crashed, never will: what waits on it fails, as
   * it may have run; and what is being done for it can stop. But the last
   * `onTheWay.get(sender)` messages each sender here sent it reached its
   * host only after: each is answered on its own (refused, or by its next
   * process), and stays open.
   */
  ended(address: Address, reason: string | undefined, onTheWay: ReadonlyMap<Address, number>): void;
}

/**
 * What a bounce says of the messages it refuses, beside why: a broker's
 * link hands it to {@linkcode BrokerReceiver.bounced}.
 *
 * @example Three messages refused together, their action unread
 * ```ts
 * import type { BounceDetails } from "@switchboard/switchboard";
 *
 * const details: BounceDetails = { count: 3 };
 * console.assert(details.action === undefined);
 * ```
 */
export interface BounceDetails {
  /** Their action, when the host that refused it could read it. */
  action?: string;
  /** How many messages from `from` to `to` it stands for (default 1). */
  count?: number;
  /**
   * True when they are the last `count` messages `from` sent `to` through
   * the link (a host's bye: what came after what it had): a sender that
   * counts what it sends `to` knows which they were.
   */
  last?: boolean;
  /**
   * True when the refusal breaks nothing else the sender has open with the
   * process it was for: it is not there (not connected, or not joined yet;
   * its host tells of its end, {@linkcode BrokerReceiver.ended}), or it
   * reads too slowly and this was new work. What the sender has open with
   * it is settled so, or by its answers. Otherwise the message refused may
   * have been part of what is open (a stream's, say), which fails.
   */
  away?: boolean;
  /**
   * True when the process it was for ended with them unread (its host
   * refuses what it never said it took, then says it ended): what it asked
   * of the sender is not answered. Otherwise a process that was there is
   * there still, and what it asked is answered.
   */
  ended?: boolean;
}

/**
 * A host's membership of a cluster, and its way to the other hosts.
 *
 * @example How much waits unconfirmed for each other host
 * ```ts
 * import type { BrokerLink } from "@switchboard/switchboard";
 *
 * export function backlog(link: BrokerLink): Record<string, number> {
 *   const queued: Record<string, number> = {};
 *   for (const { host } of link.hosts()) {
 *     if (host !== link.self.host) queued[host] = link.queued(host);
 *   }
 *   return queued;
 * }
 * ```
 */
export interface BrokerLink {
  /** This host's name. */
  readonly self: HostRecord;
  /** The largest payload it carries. */
  readonly maxPayload: number;
  /** What sets that limit, for errors: e.g. "NATS max_payload, less the envelope". */
  readonly limitName: string;
  /**
   * The most bytes it lets wait unconfirmed to one host, if it has such a
   * limit: `send` refuses past it, whatever `limit` it is given.
   */
  readonly window?: number;
  /** Every live host, this one included. */
  hosts(): HostRecord[];
  /** The host `address` (a worker id, a service name, a manager's address) is on. */
  hostOf(address: Address): string | undefined;
  /** Listens for hosts joining and leaving; returns the remover. */
  onChange(listener: (change: MembershipChange) => void): () => void;
  /**
   * Listens for the way to the other hosts going down (`false`: the broker
   * connection dropped, and sends are refused) and coming back (`true`);
   * returns the remover. Without it, children learn of a send that could
   * not go only afterwards, as it is not delivered.
   */
  onReachable?(listener: (reachable: boolean) => void): () => void;
  /**
   * Listens for another host saying it is back (its connection to the
   * broker was made again; or it asks what this host sent it, as then): it
   * hears what this host sends it now, and may have missed what was sent
   * while it was away: what this host's manager told it of its children's
   * lifecycle is told again. Without it, events lost while either host was
   * cut off are never told again. Returns the remover.
   */
  onBack?(listener: (host: string) => void): () => void;
  /**
   * Listens for another host saying it never had some of what this host
   * sent it (lost on the way, though neither connection to the broker
   * dropped: a slow consumer's messages dropped, say). Those messages are
   * failed to their senders; what this host's manager told it of its
   * children's lifecycle is told again. Without it, events lost so are told
   * again only after a reconnect (`onBack`). Returns the remover.
   */
  onMissed?(listener: (host: string) => void): () => void;
  /** Starts delivering to `receiver`; call once. */
  receive(receiver: BrokerReceiver): void;
  /**
   * Sends a payload to `to` on another host, attested as from `from`.
   *
   * @returns Its size, or a negative code from `transport.ts`.
   */
  send(from: Address, to: Address, payload: Uint8Array | string, limit?: number): number;
  /**
   * Tells the host of `from` that its message to `to`, here, could not be
   * delivered, and why; `details` name the message, if it could be read,
   * and say how many messages it stands for (default 1; `last` is the
   * link's own, from a bye, and is not sent).
   */
  bounce(from: Address, to: Address, reason: string, details?: BounceDetails): void;
  /**
   * Tells every other host that `address`, a process of this host, ended
   * (its connection to its manager closed), and why when it crashed, with
   * how much of each host's traffic this host had by then: the requests it
   * took and did not answer fail there, rather than wait out their
   * timeouts, and what is being done there for it stops. Without it, they
   * wait. With `after`, what this host had is counted now, and told once
   * it settles: what `address` sent before it ended, held for room in the
   * window, goes first (told before, its answers came after the end, to
   * requests failed by then).
   */
  ended?(address: Address, reason?: string, after?: Promise<void>): void;
  /** Bytes sent to `host` and not yet confirmed. */
  queued(host: string): number;
  /** Resolves once at most `limit` bytes are unconfirmed to `host` (default: each). */
  drained(limit: number, host?: string): Promise<void>;
  /** The traffic to and from each other host. */
  connections(): ConnectionStats[];
  /**
   * Stops reading what the other hosts send, and resolves once what they
   * sent before the broker heard so has been delivered; sends still go,
   * until `close()`. Idempotent. Without it, `close()` stops reading as it
   * begins, and what the receiver sends meanwhile is refused.
   */
  stopReading?(): Promise<void>;
  /**
   * Leaves the cluster cleanly: stops reading, if it has not yet, tells
   * the others how much of theirs this host had (what else they sent is
   * refused to them), and they see it leave at once.
   */
  close(): Promise<void>;
  /** Stops at once, for a process about to end: the others find it gone in time. */
  abandon(): void;
}
