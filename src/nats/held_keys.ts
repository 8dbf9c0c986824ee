/**
 * The keys of the membership bucket that one host holds: the revision of
 * each, which every write of it must name, and when its last write was
 * sent, from which whether one may have expired, and so another process
 * hold it now. Here too are the two writes that take a key and give one
 * back at a revision: a claim (`create`) and a delete of this host's own.
 * Claiming (`key_claims.ts`) and refreshing (`key_refreshes.ts`) both
 * write through them.
 *
 * @module
 */

import type { KV, KvEntry } from "@nats-io/kv";
import { patiently } from "./bucket.ts";
import { writerOf } from "./membership_keys.ts";

/** What {@linkcode HeldKeys} needs of the membership it keeps them for. */
export interface HeldKeysOptions {
  /** The membership bucket. */
  kv: KV;
  /** This process, named in what it writes (see `membership_keys.ts`). */
  process: string;
  /** Milliseconds between refreshes. */
  heartbeat: number;
  /** Milliseconds without a refresh after which a host counts as gone. */
  hostTimeout: number;
  /** The time, in ms, by which this host judges whether its keys may have lapsed. */
  now(): number;
  /** Aborted as the host leaves: nothing more is written. */
  closed: AbortSignal;
}

/** The keys one host holds, and the writes that take and give them back. */
export class HeldKeys {
  readonly #options: HeldKeysOptions;
  readonly #kv: KV;
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

  constructor(options: HeldKeysOptions) {
    this.#options = options;
    this.#kv = options.kv;
  }

  /** Each key held, with its revision. */
  entries(): [string, number][] {
    return [...this.#held];
  }

  /** The keys held. */
  keys(): string[] {
    return [...this.#held.keys()];
  }

  /** Whether `key` is held. */
  has(key: string): boolean {
    return this.#held.has(key);
  }

  /** The revision `key` is held at, if it is held. */
  revision(key: string): number | undefined {
    return this.#held.get(key);
  }

  /** See {@linkcode Membership.mayHaveLapsed}. */
  mayHaveLapsed(): boolean {
    this.#lapsesAt ??= Math.min(...this.#writtenAt.values()) + this.#options.hostTimeout +
      this.#options.heartbeat;
    return this.#options.now() > this.#lapsesAt;
  }

  /** Holds `key` at `revision`, written by a write sent at `sentAt` (if known). */
  hold(key: string, revision: number, sentAt?: number): void {
    this.#held.set(key, revision);
    if (sentAt === undefined) return;
    this.#writtenAt.set(key, sentAt);
    this.#lapsesAt = undefined;
  }

  /** `key` is another host's now: it is held no more. */
  lost(key: string): void {
    this.#held.delete(key);
    this.#writtenAt.delete(key);
    this.#lapsesAt = undefined;
  }

  /** Holds nothing any more: the host stops, leaving its keys to expire or deleted. */
  clear(): void {
    this.#held.clear();
    this.#writtenAt.clear();
    this.#lapsesAt = undefined;
  }

  /** Whether `entry` is this process's write. */
  wrote(entry: KvEntry): boolean {
    return writerOf(entry.string()).process === this.#options.process;
  }

  #isClosed(): boolean {
    return this.#options.closed.aborted;
  }

  /**
   * Deletes a key while it is this host's: at the revision it holds, or,
   * rewritten since (a refresh was on its way as it left), at the one it
   * has now, if still this host's; one another host took stays its. A
   * bucket that is gone fails at once, rather than wait out a read.
   */
  async deleteOwn(key: string, revision: number): Promise<void> {
    try {
      return await this.#kv.delete(key, { previousSeq: revision });
    } catch (error) {
      if (!/wrong last sequence/i.test(String(error))) throw error;
    }
    const entry = await this.#kv.get(key);
    if (entry?.operation !== "PUT" || !this.wrote(entry)) return;
    await this.#kv.delete(key, { previousSeq: entry.revision });
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
  create(key: string, value: string, mayBeMine = false): Promise<boolean> {
    let tried = mayBeMine;
    // A write of this call's own, found made, was sent after this.
    const began = this.#options.now();
    return patiently(async () => {
      if (this.#isClosed()) return true;
      const retry = tried;
      tried = true;
      const sentAt = this.#options.now();
      try {
        this.hold(key, await this.#kv.put(key, value, { previousSeq: 0 }), sentAt);
        return true;
      } catch (error) {
        if (!isTaken(error)) throw error;
      }
      const entry = await this.#kv.get(key);
      if (this.#isClosed()) return true;
      if (entry?.operation === "PUT") {
        if (!retry || !this.wrote(entry)) return false;
        // Before the call, its time is not known here: the one held stays.
        this.hold(key, entry.revision, mayBeMine ? undefined : began);
        return true;
      }
      try {
        const previousSeq = entry?.revision ?? 0;
        this.hold(key, await this.#kv.put(key, value, { previousSeq }), sentAt);
        return true;
      } catch (error) {
        // Claimed by another since it was read.
        if (isTaken(error)) return false;
        throw error;
      }
    }, this.#options.closed);
  }
}

/** Whether a create failed because the key is there. */
function isTaken(error: unknown): boolean {
  return /wrong last sequence|key exists/i.test(String(error));
}
