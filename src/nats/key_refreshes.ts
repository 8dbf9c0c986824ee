/**
 * How a host keeps its keys in the membership bucket: every heartbeat it
 * rewrites each with compare-and-set (`update` at the revision it holds),
 * so that they do not expire. A refresh that fails means another host
 * holds the key now: this host was cut off longer than its keys live, and
 * it leaves. One that finds its own write there (its answer never came),
 * or the key expired or its bucket made anew, holds or claims it again.
 * Those listening are told how each round ended.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/transport-node";
import type { KV } from "@nats-io/kv";
import type { HostRecord } from "../broker.ts";
import { asError } from "../as_error.ts";
import { Callbacks } from "../callbacks.ts";
import { SwitchboardError } from "../errors.ts";
import { isBucketGone } from "./bucket.ts";
import type { HeldKeys } from "./held_keys.ts";
import { HOST, keyName, ownerValue, recordValue } from "./membership_keys.ts";
import type { MembershipWatch } from "./membership_watch.ts";

/** What {@linkcode KeyRefreshes} needs of the membership it refreshes for. */
export interface KeyRefreshesOptions {
  /** The connection the bucket is on: a reconnect starts a round at once. */
  nc: NatsConnection;
  /** The membership bucket. */
  kv: KV;
  /** The keys this host holds. */
  keys: HeldKeys;
  /** This host's record, as its host key holds it once claimed. */
  self: HostRecord;
  /** This process, named in what it writes (see `membership_keys.ts`). */
  process: string;
  /** The wire format this host runs, which its record says. */
  wire: number;
  /** The other hosts, as the bucket shows them: told of this host's own writes. */
  watch: MembershipWatch;
  /** The time, in ms, a write is sent at (see {@linkcode HeldKeys.hold}). */
  now(): number;
  /** Aborted as the host leaves: nothing more is written. */
  closed: AbortSignal;
  /** Leaves cleanly (see {@linkcode Membership.leave}): a key was lost. */
  leave(): Promise<void>;
  /** Told of what no caller can be given: a key lost, a listener that threw. */
  report?(error: Error): void;
}

/** The refreshes of one host's keys. */
export class KeyRefreshes {
  readonly #options: KeyRefreshesOptions;
  readonly #kv: KV;
  readonly #keys: HeldKeys;
  readonly #watch: MembershipWatch;
  readonly #self: HostRecord;
  /** Told how each round of refreshes ended: see `onRefreshed`. */
  readonly #refreshed = new Callbacks<(kept: boolean) => void>();
  /** The round of refreshes running, if one is: see `round`. */
  #round: Promise<void> | undefined;

  constructor(options: KeyRefreshesOptions) {
    this.#options = options;
    this.#kv = options.kv;
    this.#keys = options.keys;
    this.#watch = options.watch;
    this.#self = options.self;
  }

  #isClosed(): boolean {
    return this.#options.closed.aborted;
  }

  /** See {@linkcode Membership.onRefreshed}. */
  onRefreshed(listener: (kept: boolean) => void): () => void {
    return this.#refreshed.add(listener);
  }

  /** What a worker or service key of this host holds. */
  #owner(): string {
    return ownerValue(this.#self.host, this.#options.process);
  }

  /** This host's record, as its host key holds it once claimed. */
  #record(): string {
    return recordValue(this.#self, this.#options.process, this.#options.wire);
  }

  /** Rewrites a held key at the revision held; false when another host took it. */
  async refresh(key: string, value?: string): Promise<boolean> {
    const revision = this.#keys.revision(key);
    if (revision === undefined) return false;
    const entry = value ?? (key.startsWith(HOST) ? this.#record() : this.#owner());
    const sentAt = this.#options.now();
    try {
      this.#keys.hold(key, await this.#kv.update(key, entry, revision), sentAt);
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
    if (current?.operation === "PUT" && this.#keys.wrote(current)) {
      // Written again now: a key lives from its last write.
      const sentAt = this.#options.now();
      const revision = await this.#kv.update(key, value, current.revision).catch(() => undefined);
      if (this.#isClosed()) return true;
      this.#keys.hold(
        key,
        revision ?? current.revision,
        revision === undefined ? undefined : sentAt,
      );
      if (revision !== undefined && key.startsWith(HOST)) this.#watch.wroteSelf();
      return true;
    }
    // Not read (the connection dropped again, say): it may still be this host's own write.
    const created = await this.#keys.create(key, value, true).catch(() => undefined);
    if (created !== false) return true;
    this.#keys.lost(key);
    return false;
  }

  /**
   * Refreshes every key this host holds, its addresses before its host
   * key. One of them lost to another host means it was cut off longer
   * than the keys live, and the others gave its addresses away: it must
   * not come back claiming them, so it leaves.
   */
  async #refreshAll(): Promise<void> {
    const keys = this.#keys.keys();
    const refresh = (key: string) =>
      this.#isClosed() || !this.#keys.has(key)
        ? Promise.resolve(true)
        : this.refresh(key).catch(() => true);
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
        `Host "${this.#self.host}" lost ${
          keyName(lost)
        } to another host (it was cut off for longer than hostTimeout, or the membership bucket was lost meanwhile): it leaves the cluster; its processes now reach only each other`,
      ),
    );
    this.#watch.dropAll();
    // Before it leaves: what it read meanwhile is dropped, not handled.
    this.#tellRefreshed(false);
    await this.#options.leave();
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

  /**
   * Starts a round of refreshes. One at a time: while NATS is slow to
   * answer, beats are skipped. But `anew`, one starts even so: the
   * connection came back, and the round running may wait out answers lost
   * as it dropped (a heartbeat each), while the others count the beats.
   */
  round(anew = false): void {
    if (this.#round && !anew) return;
    const round: Promise<void> = this.#refreshAll().finally(() => {
      if (this.#round === round) this.#round = undefined;
    });
    this.#round = round;
  }

  /** Starts a round at once each time the connection comes back, until the host leaves. */
  async refreshOnReconnect(): Promise<void> {
    for await (const status of this.#options.nc.status()) {
      if (this.#isClosed()) return;
      if (status.type === "reconnect") this.round(true);
    }
  }
}
