/**
 * The other hosts of a cluster, as a host's watch of the membership bucket
 * shows them. Each host key's changes come in order: a record ready to be
 * taken in joins its host, a delete (a clean leave) drops it at once, and
 * a record under another process's id is a new host of the same name. A
 * host that stops refreshing is dropped once this host has heard
 * `hostTimeout / heartbeat` (rounded up) of its own refreshes come back
 * without one of the silent host's: counted in its own refreshes, not in
 * time, so that a silence this host shares (NATS away, this process busy)
 * drops nobody. A watch that ends while this host is a member (its bucket
 * was lost, say) is begun again, the bucket made again if it is gone; one
 * that hears none of this host's own writes is deaf, and replaced.
 *
 * A host whose record is of another wire format (another version of
 * Switchboard, see `WIRE_FORMAT`) is never taken in: nothing goes to it.
 * Read as this host joins, it refuses the join (see `joined`); read after,
 * it is reported, once for each of its processes.
 *
 * @module
 */

import type { KV, KvEntry } from "@nats-io/kv";
import type { HostRecord, MembershipChange } from "../broker.ts";
import { describe } from "../address.ts";
import { asError } from "../as_error.ts";
import { deadline } from "../deadline.ts";
import { Callbacks } from "../callbacks.ts";
import { SwitchboardError } from "../errors.ts";
import { type Bucket, makeBucket, pauseFor } from "./bucket.ts";
import { formatName, HOST, readRecord, writerOf } from "./membership_keys.ts";

/** A watch of keys: their entries as they change, until stopped. */
type KvWatch = Awaited<ReturnType<KV["watch"]>>;

/** What is known of another host. */
interface Known {
  record: HostRecord;
  /** The process that wrote it: another under the same name is another host. */
  process: string | undefined;
  /** How many of this host's own refreshes came back since it last heard this one. */
  silentFor: number;
}

/** What {@linkcode MembershipWatch} needs of the membership it watches for. */
export interface MembershipWatchOptions {
  kv: KV;
  /** The bucket, made again if a watch finds it gone. */
  bucket: Bucket;
  /** This host's record: its addresses are added as it claims them (see `claimed`). */
  self: HostRecord;
  /** Milliseconds between this host's refreshes. */
  heartbeat: number;
  /** Milliseconds without a refresh after which a host counts as gone. */
  hostTimeout: number;
  /** The wire format this host runs: a host of another is not taken in. */
  wire: number;
  /** Aborted as the membership closes: no watch begins after, and a pause between attempts ends. */
  closed: AbortSignal;
  /**
   * Told of a host whose record claims what another holds, of one of
   * another wire format, and of a listener that threw.
   */
  report?(error: Error): void;
}

/** A host of another wire format, as {@linkcode MembershipWatch.joined} names it. */
export interface OtherFormat {
  host: string;
  /** Its format; undefined, one from before formats had numbers. */
  wire: number | undefined;
}

/** The other hosts, as the bucket's host keys show them. */
export class MembershipWatch {
  readonly #options: MembershipWatchOptions;
  readonly #known = new Map<string, Known>();
  /** Hosts of another wire format, not taken in, and the process each was read of. */
  readonly #otherFormat = new Map<
    string,
    { process: string | undefined; wire: number | undefined }
  >();
  /** Whether this host's join is done: one of another format is reported then, not refused. */
  #joined = false;
  readonly #changes = new Callbacks<(change: MembershipChange) => void>();
  #byAddress: Map<number | string, string> | undefined;
  /** When this host last heard its own refresh back: it is receiving. */
  #selfSeen = performance.now();
  /** When it last counted one of its own refreshes heard (see `#heardSelf`). */
  #selfCounted = -Infinity;
  /** When this host last wrote its host key, and when its current watch began. */
  #selfWritten = 0;
  #watchBegan = performance.now();
  /** The watch reading now: stopped, another begins (see `#read`). */
  #watch: { stop(): void } | undefined;
  /** Resolves once the first watch has read out the keys there were as it began. */
  readonly #caughtUp = Promise.withResolvers<void>();

  constructor(options: MembershipWatchOptions) {
    this.#options = options;
  }

  /** Every live host, this one included. */
  hosts(): HostRecord[] {
    return [this.#options.self, ...[...this.#known.values()].map((known) => known.record)];
  }

  /** The host a worker id or service name is on. */
  hostOf(address: number | string): string | undefined {
    return this.#index().get(address);
  }

  /** Listens for hosts joining and leaving; returns the remover. */
  onChange(listener: (change: MembershipChange) => void): () => void {
    return this.#changes.add(listener);
  }

  /**
   * This host's join is done: returns the hosts of another wire format read
   * so far, which refuse it (the join fails, and this host leaves). Those
   * read after are reported.
   */
  joined(): OtherFormat[] {
    this.#joined = true;
    return [...this.#otherFormat].map(([host, { wire }]) => ({ host, wire }));
  }

  /** This host claimed another worker id or service name. */
  claimed(): void {
    this.#byAddress = undefined;
  }

  /** This host wrote its host key: its watch should hear it back (see `checkWatch`). */
  wroteSelf(): void {
    this.#selfWritten = performance.now();
  }

  /**
   * Begins watching the host keys; resolves once the watch is open, and
   * reads them on its own (see `caughtUp`).
   */
  async start(): Promise<void> {
    this.#read(await this.#options.kv.watch({ key: `${HOST}>` }));
  }

  /** Resolves once the first watch has read out the keys there were as it began, or after a beat. */
  async caughtUp(): Promise<void> {
    await deadline(this.#caughtUp.promise, this.#options.heartbeat, () => new Error("not read out"))
      .catch(() => {});
  }

  /**
   * Ends the current watch: another begins, the bucket made again if it is
   * gone, unless the membership closed.
   */
  stop(): void {
    this.#watch?.stop();
  }

  /**
   * Its own writes succeed, yet it has heard none of them for `timeout`
   * ms: its watch is deaf (its bucket was made anew, say), and is replaced.
   */
  checkWatch(timeout: number): void {
    if (this.#selfWritten - Math.max(this.#selfSeen, this.#watchBegan) > timeout) {
      this.#watch?.stop();
    }
  }

  /** Drops every other host: this host lost a key, and leaves. */
  dropAll(): void {
    for (const [host, known] of this.#known) this.#drop(host, known);
  }

  /** Worker ids and service names by host: made again when hosts come or go. */
  #index(): Map<number | string, string> {
    if (!this.#byAddress) {
      this.#byAddress = new Map();
      for (const record of this.hosts()) {
        for (const address of [...record.workers, ...record.services]) {
          this.#byAddress.set(address, record.host);
        }
      }
    }
    return this.#byAddress;
  }

  #isClosed(): boolean {
    return this.#options.closed.aborted;
  }

  /**
   * Reads the host keys as they change, through `watch` and, each time a
   * watch ends while this host is a member (its bucket was lost, say), a
   * new one, which starts with every key as it is then.
   */
  async #read(watch: KvWatch): Promise<void> {
    for (let current: KvWatch | undefined = watch; current; current = await this.#watchAgain()) {
      if (current !== watch) {
        // The new watch reads every key out, this host's maybe first: none
        // is dropped for that.
        for (const known of this.#known.values()) known.silentFor = 0;
      }
      this.#watch = current;
      this.#watchBegan = performance.now();
      try {
        for await (const entry of current) {
          this.#onEntry(entry);
          // The read-out's last entry, or one after it.
          if (entry.isUpdate) this.#caughtUp.resolve();
        }
      } catch {
        // Ended: watched again below, unless this host left.
      }
    }
  }

  /** A new watch of the host keys, the bucket made again if it is gone; none once closed. */
  async #watchAgain(): Promise<KvWatch | undefined> {
    for (let pause = 100; !this.#isClosed(); pause = Math.min(pause * 2, this.#options.heartbeat)) {
      try {
        await makeBucket(this.#options.bucket);
        const watch = await this.#options.kv.watch({ key: `${HOST}>` });
        if (!this.#isClosed()) return watch;
        watch.stop();
      } catch {
        // Closed while it tried: no pause, whose timer would outlive it.
        if (this.#isClosed()) break;
        await pauseFor(pause, this.#options.closed);
      }
    }
    return undefined;
  }

  #onEntry(entry: KvEntry): void {
    const host = entry.key.slice(HOST.length);
    if (this.#isClosed()) return;
    if (host === this.#options.self.host) return this.#heardSelf();
    let known = this.#known.get(host);
    if (entry.operation !== "PUT") {
      this.#otherFormat.delete(host);
      if (known) this.#drop(host, known);
      return;
    }
    // Another process under that name: the one known is gone, though its
    // delete was never heard (missed while away: the bucket keeps only a
    // key's last value).
    const process = writerOf(entry.string()).process;
    if (known && known.process !== process) {
      this.#drop(host, known);
      known = undefined;
    }
    if (this.#otherFormat.get(host)?.process !== process) this.#otherFormat.delete(host);
    const read = readRecord(entry, host, this.#options.wire);
    // Still claiming: it shows once its record says it is ready.
    if (!read) {
      if (known) known.silentFor = 0;
      return;
    }
    if (read.format === "other") return this.#ofOtherFormat(host, process, read.wire);
    const { record } = read;
    // A host back from being cut off may claim what others hold now: not
    // taken in (it leaves once it finds out).
    const taken = [...record.workers, ...record.services].find((address) => {
      const owner = this.#index().get(address);
      return owner !== undefined && owner !== host;
    });
    if (taken !== undefined) {
      this.#options.report?.(
        new SwitchboardError(
          `Host "${host}" claims ${describe(taken)}, which host "${
            this.#index().get(taken)
          }" holds: not taken in`,
        ),
      );
      return;
    }
    this.#known.set(host, { record, process, silentFor: 0 });
    if (known) return;
    this.#byAddress = undefined;
    this.#tell({ type: "joined", host: record, process });
  }

  /**
   * A host of another wire format: not taken in, as its envelopes would not
   * read (nor this host's on its side). Reported once a process, and only
   * once this host has joined: before, its join is refused instead.
   */
  #ofOtherFormat(host: string, process: string | undefined, wire: number | undefined): void {
    if (this.#otherFormat.has(host)) return;
    this.#otherFormat.set(host, { process, wire });
    if (!this.#joined) return;
    this.#options.report?.(
      new SwitchboardError(
        `Host "${host}" runs ${formatName(wire)}, this host ${
          formatName(this.#options.wire)
        }: not taken in, and nothing is sent to it; hosts of one cluster run the same version of Switchboard (see README, Across hosts)`,
      ),
    );
  }

  /** Tells the listeners of a change; one that throws is reported, and the others still told. */
  #tell(change: MembershipChange): void {
    for (const listener of this.#changes.list) {
      try {
        listener(change);
      } catch (error) {
        this.#options.report?.(asError(error));
      }
    }
  }

  /**
   * One of this host's own refreshes came back: the others had as long to
   * refresh theirs. One that let `hostTimeout / heartbeat` of them (rounded
   * up) pass unheard is gone. Counted in its own refreshes heard, not in
   * time, silence while this host hears nothing either (NATS away, this
   * process busy) says nothing of the others: none is dropped for it, as
   * it begins or as it ends, whichever host's refresh comes back first.
   */
  #heardSelf(): void {
    const now = performance.now();
    this.#selfSeen = now;
    const { hostTimeout, heartbeat } = this.#options;
    // Three quarters of a beat at least between two counted: a burst of its
    // own writes (rounds begun anew at each reconnect, a write made again
    // after its answer was lost) gave the others no more time to refresh.
    if (now - this.#selfCounted < heartbeat * 0.75) return;
    this.#selfCounted = now;
    const limit = Math.ceil(hostTimeout / heartbeat);
    for (const [host, known] of this.#known) {
      if (++known.silentFor >= limit) this.#drop(host, known);
    }
  }

  #drop(host: string, known: Known): void {
    this.#known.delete(host);
    this.#byAddress = undefined;
    this.#tell({ type: "left", host: known.record, process: known.process });
  }
}
