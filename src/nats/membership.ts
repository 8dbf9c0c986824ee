/**
 * `Membership`: which hosts form a cluster and which worker ids and service
 * names each runs, kept in NATS itself: a JetStream key-value bucket whose
 * entries expire (the bucket's TTL) unless their host refreshes them.
 *
 * - A host claims each worker id and service name with `create`, which
 *   fails when the key exists: two hosts joining at once never get the
 *   same id, and a joiner takes the lowest ids free.
 * - A host refreshes its keys every `heartbeat` ms with compare-and-set
 *   (`update` at the revision it holds): a refresh that fails means another
 *   host holds the key now, and this host has lost it.
 * - Every host watches the bucket (`MembershipWatch`). A clean leave
 *   deletes the keys, which the others see at once; a host that stops
 *   refreshing is gone for each other once that one has heard
 *   `hostTimeout / heartbeat` (rounded up) of its own refreshes come back
 *   without one of the silent host's (within `hostTimeout` rounded up to
 *   whole heartbeats of its last); its keys expire in NATS later
 *   (`hostTimeout + heartbeat` after its last refresh), so that its ids are
 *   free again only once nobody counts it.
 *
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
import type { KV, KvEntry } from "@nats-io/kv";
import type { HostRecord, MembershipChange } from "../broker.ts";
import { asError } from "../as_error.ts";
import { Callbacks } from "../callbacks.ts";
import { SwitchboardError } from "../errors.ts";
import {
  type Bucket,
  isBucketGone,
  openBucket,
  patiently,
  pauseFor,
  sameSettings,
} from "./bucket.ts";
import {
  claimingValue,
  hex,
  HOST,
  keyName,
  ownerValue,
  recordValue,
  SERVICE,
  WORKER,
  writerOf,
} from "./membership_keys.ts";
import { MembershipWatch } from "./membership_watch.ts";

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
  readonly #kv: KV;
  readonly #bucket: Bucket;
  readonly #options: Settings;
  /** This process, named in what it writes (see `membership_keys.ts`). */
  readonly #process = crypto.randomUUID();
  /** The revision of each key this host holds. */
  readonly #held = new Map<string, number>();
  /**
   * When the last write of each held key that the server made was sent:
   * the key lives `hostTimeout + heartbeat` from then at least (see
   * `mayHaveLapsed`). The sending time, not the answer's: an answer read
   * after a pause speaks of a write made before it.
   */
  readonly #writtenAt = new Map<string, number>();
  /**
   * When the first of the keys may expire, from `#writtenAt`; undefined
   * when a write changed since it was found. `mayHaveLapsed` runs for
   * every message sent and read, a write once a beat for each key.
   */
  #lapsesAt: number | undefined;
  /** Told how each round of refreshes ended: see `onRefreshed`. */
  readonly #refreshed = new Callbacks<(kept: boolean) => void>();
  /** The other hosts, as the bucket shows them. */
  readonly #watch: MembershipWatch;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Aborted as it closes: a pause between attempts (to claim, to watch) ends. */
  readonly #leaving = new AbortController();
  /** The round of refreshes running, if one is: see `#refreshRound`. */
  #round: Promise<void> | undefined;

  /**
   * Joins the cluster: claims this host's name, its services and the
   * lowest free worker ids, then keeps them.
   *
   * @throws {SwitchboardError} When the host name or a service name is taken.
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
    });
    try {
      await membership.#claim();
      await membership.#follow();
    } catch (error) {
      await membership.leave();
      throw error;
    }
    return membership;
  }

  private constructor(kv: KV, bucket: Bucket, options: Settings) {
    this.#kv = kv;
    this.#bucket = bucket;
    this.#options = options;
    this.self = { host: options.host, workers: [], services: [] };
    this.#watch = new MembershipWatch({
      kv,
      bucket,
      self: this.self,
      heartbeat: options.heartbeat,
      hostTimeout: options.hostTimeout,
      closed: this.#leaving.signal,
      report: options.report,
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
    this.#lapsesAt ??= Math.min(...this.#writtenAt.values()) + this.#options.hostTimeout +
      this.#options.heartbeat;
    return this.#options.now() > this.#lapsesAt;
  }

  /**
   * Listens for the end of each round of refreshes: `true` when no key was
   * lost (see `mayHaveLapsed` for whether each was written), `false` when
   * one was, and this host leaves. Returns the remover.
   */
  onRefreshed(listener: (kept: boolean) => void): () => void {
    return this.#refreshed.add(listener);
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
    const held = [...this.#held];
    this.close();
    const gone = (key: string, revision: number) => this.#deleteOwn(key, revision).catch(() => {});
    const hostKey = held.find(([key]) => key.startsWith(HOST));
    if (hostKey) await gone(...hostKey);
    await Promise.all(held.filter(([key]) => !key.startsWith(HOST)).map((pair) => gone(...pair)));
  }

  /**
   * Deletes a key while it is this host's: at the revision it holds, or,
   * rewritten since (a refresh was on its way as it left), at the one it
   * has now, if still this host's; one another host took stays its. A
   * bucket that is gone fails at once, rather than wait out a read.
   */
  async #deleteOwn(key: string, revision: number): Promise<void> {
    try {
      return await this.#kv.delete(key, { previousSeq: revision });
    } catch (error) {
      if (!/wrong last sequence/i.test(String(error))) throw error;
    }
    const entry = await this.#kv.get(key);
    if (entry?.operation !== "PUT" || !this.#wrote(entry)) return;
    await this.#kv.delete(key, { previousSeq: entry.revision });
  }

  #isClosed(): boolean {
    return this.#leaving.signal.aborted;
  }

  /** Stops refreshing and watching, leaving the keys to expire, as a crash would. */
  close(): void {
    this.#leaving.abort();
    clearInterval(this.#timer);
    this.#watch.stop();
    this.#held.clear();
    this.#writtenAt.clear();
    this.#lapsesAt = undefined;
  }

  async #claim(): Promise<void> {
    const { host, services, workers } = this.#options;
    const hostKey = `${HOST}${host}`;
    // Claiming: the others take no notice of it until it says it is ready.
    if (!(await this.#createOnceLapsed(hostKey, claimingValue(this.#process), () => true))) {
      throw this.#nameTaken();
    }
    // The name is this process's now: keys written under it are a
    // predecessor's, one that ended abruptly, and lapse soon.
    const predecessor = (value: string) => writerOf(value).host === host;
    for (const name of services) {
      const key = `${SERVICE}${hex(name)}`;
      if (!(await this.#createOnceLapsed(key, this.#owner(), predecessor))) {
        const value = (await this.#kv.get(key))?.string();
        const owner = value === undefined ? undefined : writerOf(value).host;
        throw new SwitchboardError(
          `Cannot join cluster "${this.#options.cluster}": service "${name}" runs on host "${
            owner ?? "another"
          }" already`,
        );
      }
      this.self.services.push(name);
      this.#watch.claimed();
    }
    for (let id = 0; this.self.workers.length < workers; id++) {
      if (await this.#createOnceLapsed(`${WORKER}${id}`, this.#owner(), predecessor)) {
        this.self.workers.push(id);
        this.#watch.claimed();
      }
    }
    // Its claiming key may have lapsed while it waited out a predecessor's
    // keys, and another process of this name taken the name meanwhile:
    // then that one is the host, and this one would be joined unseen.
    if (!(await this.#refresh(hostKey))) throw this.#nameTaken();
  }

  /** The error of a join whose host name another process holds. */
  #nameTaken(): SwitchboardError {
    const { cluster, host } = this.#options;
    return new SwitchboardError(
      `Cannot join cluster "${cluster}": host "${host}" is in it already`,
    );
  }

  /**
   * Claims a key as {@linkcode Membership.#create} does; one found taken
   * by a holder `mayLapse` says may have ended (a host of this name that
   * ended abruptly and was started again at once, as systemd restarts one
   * that crashed) is claimed once it lapses, `hostTimeout + heartbeat`
   * after its last refresh. Before, such a restart failed ("host is in it
   * already") until then, and systemd's quick restarts hit its start limit.
   *
   * @returns False when another host holds it: the key was refreshed
   * meanwhile (its holder lives), or it outlived its lifetime.
   */
  async #createOnceLapsed(
    key: string,
    value: string,
    mayLapse: (value: string) => boolean,
  ): Promise<boolean> {
    if (await this.#create(key, value)) return true;
    const entry = await patiently(() => this.#kv.get(key), this.#leaving.signal);
    if (entry?.operation === "PUT") {
      if (!mayLapse(entry.string()) || !(await this.#lapsed(key, entry.revision))) return false;
    }
    return await this.#create(key, value);
  }

  /**
   * Waits for a key held at `revision` to lapse: true once it is gone,
   * false when it is written again (its holder lives) or is still there
   * past its lifetime (a heartbeat's margin over the bucket's TTL).
   */
  async #lapsed(key: string, revision: number): Promise<boolean> {
    const { heartbeat, hostTimeout, now } = this.#options;
    const giveUp = now() + hostTimeout + 2 * heartbeat;
    while (!this.#isClosed() && now() < giveUp) {
      await pauseFor(heartbeat / 4, this.#leaving.signal);
      const entry = await patiently(() => this.#kv.get(key), this.#leaving.signal);
      if (entry?.operation !== "PUT") return true;
      if (entry.revision !== revision) return false;
    }
    return false;
  }

  /**
   * Claims a key; false when another host holds it. A key found taken may
   * be this process's own write, whose answer never came (an attempt before
   * this one, or, `mayBeMine`, a write before the call): then it is held.
   * A key deleted (its host left) or purged is free, at its revision. Once
   * this host leaves, nothing more is written (true: not lost). Not the
   * client's `create`, which claims a deleted key after a read of its own,
   * where a leave in between would see its key written back.
   */
  #create(key: string, value: string, mayBeMine = false): Promise<boolean> {
    let tried = mayBeMine;
    // A write of this call's own, found made, was sent after this.
    const began = this.#options.now();
    return patiently(async () => {
      if (this.#isClosed()) return true;
      const retry = tried;
      tried = true;
      const sentAt = this.#options.now();
      try {
        this.#hold(key, await this.#kv.put(key, value, { previousSeq: 0 }), sentAt);
        return true;
      } catch (error) {
        if (!isTaken(error)) throw error;
      }
      const entry = await this.#kv.get(key);
      if (this.#isClosed()) return true;
      if (entry?.operation === "PUT") {
        if (!retry || !this.#wrote(entry)) return false;
        // Before the call, its time is not known here: the one held stays.
        this.#hold(key, entry.revision, mayBeMine ? undefined : began);
        return true;
      }
      try {
        const previousSeq = entry?.revision ?? 0;
        this.#hold(key, await this.#kv.put(key, value, { previousSeq }), sentAt);
        return true;
      } catch (error) {
        // Claimed by another since it was read.
        if (isTaken(error)) return false;
        throw error;
      }
    }, this.#leaving.signal);
  }

  /** Holds `key` at `revision`, written by a write sent at `sentAt` (if known). */
  #hold(key: string, revision: number, sentAt?: number): void {
    this.#held.set(key, revision);
    if (sentAt === undefined) return;
    this.#writtenAt.set(key, sentAt);
    this.#lapsesAt = undefined;
  }

  /** Whether `entry` is this process's write. */
  #wrote(entry: KvEntry): boolean {
    return writerOf(entry.string()).process === this.#process;
  }

  /** What a worker or service key of this host holds. */
  #owner(): string {
    return ownerValue(this.self.host, this.#process);
  }

  /** Rewrites a held key at the revision held; false when another host took it. */
  async #refresh(key: string, value?: string): Promise<boolean> {
    const revision = this.#held.get(key);
    if (revision === undefined) return false;
    const entry = value ?? (key.startsWith(HOST) ? this.#record() : this.#owner());
    const sentAt = this.#options.now();
    try {
      this.#hold(key, await this.#kv.update(key, entry, revision), sentAt);
      if (key.startsWith(HOST)) this.#watch.wroteSelf();
      return true;
    } catch (error) {
      // Gone, or not back yet (JetStream answers so while a server
      // restarts): the current watch is ended, and the next one (see
      // `MembershipWatch`) makes the bucket again if it is gone (whoever
      // finds it first makes it); the refresh is retried next beat.
      if (isBucketGone(error)) {
        this.#watch.stop();
        return true;
      }
      if (!/wrong last sequence/i.test(String(error))) return true; // Down: retried next beat.
      // Left meanwhile: its keys are being deleted, not claimed again.
      if (this.#isClosed()) return true;
      return await this.#rewritten(key, entry);
    }
  }

  /**
   * A held key is not at the revision held. This process's own write whose
   * answer never came (the connection dropped as it went): held at its
   * revision, and written again. Expired (an outage longer than the TTL),
   * or its bucket made anew: claimed again, if free. Lost only when another
   * host's process holds it; an error says nothing yet.
   */
  async #rewritten(key: string, value: string): Promise<boolean> {
    const current = await this.#kv.get(key).catch(() => undefined);
    if (this.#isClosed()) return true;
    if (current?.operation === "PUT" && this.#wrote(current)) {
      // Written again now: a key lives from its last write.
      const sentAt = this.#options.now();
      const revision = await this.#kv.update(key, value, current.revision).catch(() => undefined);
      if (this.#isClosed()) return true;
      this.#hold(key, revision ?? current.revision, revision === undefined ? undefined : sentAt);
      if (revision !== undefined && key.startsWith(HOST)) this.#watch.wroteSelf();
      return true;
    }
    // Not read (the connection dropped again, say): it may still be this host's own write.
    const created = await this.#create(key, value, true).catch(() => undefined);
    if (created !== false) return true;
    this.#held.delete(key);
    this.#writtenAt.delete(key);
    this.#lapsesAt = undefined;
    return false;
  }

  /**
   * Refreshes every key this host holds, its addresses before its host
   * key. One of them lost to another host means it was cut off longer
   * than the keys live, and the others gave its addresses away: it must
   * not come back claiming them, so it leaves.
   */
  async #refreshAll(): Promise<void> {
    const keys = [...this.#held.keys()];
    const refresh = (key: string) =>
      this.#isClosed() || !this.#held.has(key)
        ? Promise.resolve(true)
        : this.#refresh(key).catch(() => true);
    // At once: one that waits out its answer (the connection dropped) holds back no other.
    const addresses = keys.filter((key) => !key.startsWith(HOST));
    const kept = await Promise.all(addresses.map(refresh));
    let lost = addresses.find((_, i) => !kept[i]);
    const hostKey = keys.find((key) => key.startsWith(HOST));
    if (lost === undefined && hostKey !== undefined && !(await refresh(hostKey))) lost = hostKey;
    if (lost === undefined) {
      // Closed meanwhile, nothing was written: nothing to tell.
      if (!this.#isClosed()) this.#tellRefreshed(true);
      return;
    }
    this.#options.report?.(
      new SwitchboardError(
        `Host "${this.self.host}" lost ${
          keyName(lost)
        } to another host (it was cut off for longer than hostTimeout, or the membership bucket was lost meanwhile): it leaves the cluster; its processes now reach only each other`,
      ),
    );
    this.#watch.dropAll();
    // Before it leaves: what it read meanwhile is dropped, not handled.
    this.#tellRefreshed(false);
    await this.leave();
  }

  #tellRefreshed(kept: boolean): void {
    for (const listener of this.#refreshed.list) {
      try {
        listener(kept);
      } catch (error) {
        this.#options.report?.(asError(error));
      }
    }
  }

  /** Watches the others and keeps this host's keys fresh. */
  async #follow(): Promise<void> {
    await this.#watch.start();
    const { heartbeat, hostTimeout } = this.#options;
    let beat = 0;
    this.#timer = setInterval(() => {
      this.#watch.checkWatch(hostTimeout);
      if (++beat % 4 === 0) this.#refreshRound();
    }, heartbeat / 4);
    this.#refreshOnReconnect();
    // The hosts in it already are known once it has joined, so that what
    // it sends them at once goes; a beat at most (this host's own key is
    // among them, so the read-out ends with an entry).
    await this.#watch.caughtUp();
  }

  /**
   * Starts a round of refreshes. One at a time: while NATS is slow to
   * answer, beats are skipped. But `anew`, one starts even so: the
   * connection came back, and the round running may wait out answers lost
   * as it dropped (a heartbeat each), while the others count the beats.
   */
  #refreshRound(anew = false): void {
    if (this.#round && !anew) return;
    const round: Promise<void> = this.#refreshAll().finally(() => {
      if (this.#round === round) this.#round = undefined;
    });
    this.#round = round;
  }

  async #refreshOnReconnect(): Promise<void> {
    for await (const status of this.#bucket.nc.status()) {
      if (this.#isClosed()) return;
      if (status.type === "reconnect") this.#refreshRound(true);
    }
  }

  /** This host's record, as its host key holds it once claimed. */
  #record(): string {
    return recordValue(this.self, this.#process);
  }
}

/** Whether a create failed because the key is there. */
function isTaken(error: unknown): boolean {
  return /wrong last sequence|key exists/i.test(String(error));
}
