/**
 * `Membership`: which hosts form a cluster and which worker ids and service
 * names each runs, kept in NATS itself: a JetStream key-value bucket whose
 * entries expire (the bucket's TTL) unless their host refreshes them.
 *
 * - A host claims each worker id and service name with `create`, which
 *   fails when the key exists: two hosts joining at once never get the
 *   same id, and a joiner takes the lowest ids free (`KeyClaims`).
 * - A host refreshes its keys every `heartbeat` ms with compare-and-set
 *   (`update` at the revision it holds): a refresh that fails means another
 *   host holds the key now, and this host has lost it (`KeyRefreshes`).
 *   What it holds, and when each was last written, is in `HeldKeys`.
 * - Every host watches the bucket (`MembershipWatch`). A clean leave
 *   deletes the keys, which the others see at once; a host that stops
 *   refreshing is gone for each other once that one has heard
 *   `hostTimeout / heartbeat` (rounded up) of its own refreshes come back
 *   without one of the silent host's (within `hostTimeout` rounded up to
 *   whole heartbeats of its last); its keys expire in NATS later
 *   (`hostTimeout + heartbeat` after its last refresh), so that its ids are
 *   free again only once nobody counts it.
 *
 * - A host's record carries the wire format it runs (`WIRE_FORMAT`): a
 *   host that finds, as it joins, hosts of another in the cluster is
 *   refused (it leaves); one already in takes in no host of another, and
 *   reports it (`MembershipWatch`).
 * - The bucket itself may go (a server's store wiped, a server replaced):
 *   the first host to find it gone makes it again, every host claims its
 *   keys again as it refreshes them, and watches the bucket anew.
 *
 * (NATS 2.9's key-value store has a TTL per bucket only, and expiry tells
 * no watcher; hence the watched refreshes.)
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/transport-node";
import type { KV } from "@nats-io/kv";
import type { HostRecord, MembershipChange } from "../broker.ts";
import { type Bucket, openBucket, sameSettings } from "./bucket.ts";
import { HeldKeys } from "./held_keys.ts";
import { KeyClaims } from "./key_claims.ts";
import { KeyRefreshes } from "./key_refreshes.ts";
import { WIRE_FORMAT } from "./envelope.ts";
import { formatName, HOST } from "./membership_keys.ts";
import { MembershipWatch, type OtherFormat } from "./membership_watch.ts";
import { SwitchboardError } from "../errors.ts";

/** Options of {@linkcode Membership.join}. */
export interface MembershipOptions {
  /** The cluster's name. */
  cluster: string;
  /** This host's name, unique in the cluster. */
  host: string;
  /** How many worker ids to take. */
  workers: number;
  /** The services this host runs; their names must be free. */
  services: readonly string[];
  /** Milliseconds between refreshes (default 1 000). */
  heartbeat?: number;
  /** Milliseconds without a refresh after which a host counts as gone (default 2 500). */
  hostTimeout?: number;
  /** Copies of the membership bucket in a NATS cluster (default 1; 3 survives a lost server). */
  replicas?: number;
  /**
   * The time, in ms, by which this host judges whether its keys may have
   * lapsed (default `performance.now()`): a test puts it in its own hands.
   */
  now?(): number;
  /**
   * The wire format this host says it runs (default {@linkcode WIRE_FORMAT}):
   * a test gives another, to play a host of another version.
   */
  wire?: number;
  /**
   * Told of what no caller can be given: a key this host lost to another
   * host (it then leaves), a host whose record claims what another holds,
   * a listener that threw.
   */
  report?(error: Error): void;
}

/** The options, with the defaults in. */
type Settings = Required<Omit<MembershipOptions, "report">> & Pick<MembershipOptions, "report">;

/** A host's membership of a cluster. */
export class Membership {
  readonly self: HostRecord;
  readonly #options: Settings;
  /** The keys this host holds, and when each was last written. */
  readonly #keys: HeldKeys;
  /** How this host claims its keys as it joins. */
  readonly #claims: KeyClaims;
  /** How this host keeps its keys. */
  readonly #refreshes: KeyRefreshes;
  /** The other hosts, as the bucket shows them. */
  readonly #watch: MembershipWatch;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Aborted as it closes: a pause between attempts (to claim, to watch) ends. */
  readonly #leaving = new AbortController();

  /**
   * Joins the cluster: claims this host's name, its services and the
   * lowest free worker ids, then keeps them.
   *
   * @throws {SwitchboardError} When the host name or a service name is
   * taken, or hosts in the cluster run another wire format.
   */
  static async join(nc: NatsConnection, options: MembershipOptions): Promise<Membership> {
    const heartbeat = options.heartbeat ?? 1_000;
    const hostTimeout = options.hostTimeout ?? 2_500;
    const replicas = options.replicas ?? 1;
    const bucket: Bucket = {
      nc,
      name: `switchboard_${options.cluster}`,
      // A host's keys outlive a missed refresh or two, and expire a
      // heartbeat after the others counted it gone.
      options: { history: 1, ttl: hostTimeout + heartbeat, replicas },
      // No answer is waited for longer than a beat.
      timeout: heartbeat,
    };
    const kv = await openBucket(bucket);
    await sameSettings(kv, bucket.options, options.cluster);
    const membership = new Membership(kv, bucket, {
      ...options,
      heartbeat,
      hostTimeout,
      replicas,
      now: options.now ?? (() => performance.now()),
      wire: options.wire ?? WIRE_FORMAT,
    });
    try {
      await membership.#claims.claim();
      await membership.#follow();
    } catch (error) {
      await membership.leave();
      throw error;
    }
    return membership;
  }

  private constructor(kv: KV, bucket: Bucket, options: Settings) {
    this.#options = options;
    this.self = { host: options.host, workers: [], services: [] };
    // This process, named in what it writes (see `membership_keys.ts`).
    const process = crypto.randomUUID();
    const { heartbeat, hostTimeout, now } = options;
    const closed = this.#leaving.signal;
    this.#keys = new HeldKeys({ kv, process, heartbeat, hostTimeout, now, closed });
    this.#watch = new MembershipWatch({
      kv,
      bucket,
      self: this.self,
      heartbeat: options.heartbeat,
      hostTimeout: options.hostTimeout,
      wire: options.wire,
      closed: this.#leaving.signal,
      report: options.report,
    });
    this.#refreshes = new KeyRefreshes({
      nc: bucket.nc,
      kv,
      keys: this.#keys,
      self: this.self,
      process,
      wire: options.wire,
      watch: this.#watch,
      now,
      closed,
      leave: () => this.leave(),
      report: options.report,
    });
    this.#claims = new KeyClaims({
      kv,
      keys: this.#keys,
      self: this.self,
      process,
      cluster: options.cluster,
      workers: options.workers,
      services: options.services,
      heartbeat,
      hostTimeout,
      now,
      closed,
      claimed: () => this.#watch.claimed(),
      refresh: (key) => this.#refreshes.refresh(key),
    });
  }

  /** Every live host, this one included. */
  hosts(): HostRecord[] {
    return this.#watch.hosts();
  }

  /** The host a worker id or service name is on. */
  hostOf(address: number | string): string | undefined {
    return this.#watch.hostOf(address);
  }

  /** Listens for hosts joining and leaving; returns the remover. */
  onChange(listener: (change: MembershipChange) => void): () => void {
    return this.#watch.onChange(listener);
  }

  /**
   * Whether this host's keys may have expired, so that another process may
   * hold its name and ids now: the last write of one that the server made
   * was sent over a key's lifetime ago (`hostTimeout + heartbeat`: it was
   * paused, or cut off from NATS). The server made it after it was sent,
   * so until then the key lives for certain. Not sooner: under slow answers
   * a round of refreshes takes more than a beat, and a live host, counted
   * lapsed at `hostTimeout`, refused a sixth of its sends.
   */
  mayHaveLapsed(): boolean {
    return this.#keys.mayHaveLapsed();
  }

  /**
   * Listens for the end of each round of refreshes: `true` when no key was
   * lost (see `mayHaveLapsed` for whether each was written), `false` when
   * one was, and this host leaves. Returns the remover.
   */
  onRefreshed(listener: (kept: boolean) => void): () => void {
    return this.#refreshes.onRefreshed(listener);
  }

  /**
   * Leaves cleanly: deletes this host's keys, so that the others see it
   * leave at once. The host key first: the others drop this host before
   * its addresses are free to claim, so that none is claimed while they
   * still count this host holding it. Each delete waits for its answer a
   * moment at most (the bucket's `timeout`): with NATS away, the keys
   * expire by themselves.
   */
  async leave(): Promise<void> {
    const held = this.#keys.entries();
    this.close();
    const gone = (key: string, revision: number) =>
      this.#keys.deleteOwn(key, revision).catch(() => {});
    const hostKey = held.find(([key]) => key.startsWith(HOST));
    if (hostKey) await gone(...hostKey);
    await Promise.all(held.filter(([key]) => !key.startsWith(HOST)).map((pair) => gone(...pair)));
  }

  /** Stops refreshing and watching, leaving the keys to expire, as a crash would. */
  close(): void {
    this.#leaving.abort();
    clearInterval(this.#timer);
    this.#watch.stop();
    this.#keys.clear();
  }

  /** Watches the others and keeps this host's keys fresh. */
  async #follow(): Promise<void> {
    await this.#watch.start();
    const { heartbeat, hostTimeout } = this.#options;
    let beat = 0;
    this.#timer = setInterval(() => {
      this.#watch.checkWatch(hostTimeout);
      if (++beat % 4 === 0) this.#refreshes.round();
    }, heartbeat / 4);
    this.#refreshes.refreshOnReconnect();
    // The hosts in it already are known once it has joined, so that what
    // it sends them at once goes; a beat at most (this host's own key is
    // among them, so the read-out ends with an entry).
    await this.#watch.caughtUp();
    // Before any of its messages go: the link to the others is made after.
    const others = this.#watch.joined();
    if (others.length > 0) throw this.#otherFormats(others);
  }

  /** The error of a join refused by hosts of another wire format. */
  #otherFormats(others: OtherFormat[]): SwitchboardError {
    const { cluster, wire } = this.#options;
    const hosts = others.map(({ host, wire }) => `host "${host}" runs ${formatName(wire)}`);
    return new SwitchboardError(
      `Cannot join cluster "${cluster}": ${hosts.join(", ")}, this host ${
        formatName(wire)
      }: hosts of one cluster run the same version of Switchboard (see README, Across hosts)`,
    );
  }
}
