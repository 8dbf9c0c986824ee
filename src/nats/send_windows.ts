/**
 * `SendWindows`: what one host sent to each other host, and what that host
 * confirmed. The unconfirmed bytes bound what may be sent more (the
 * window); the unconfirmed messages, by sender and target, are who is told
 * when a host leaves; and the counts of an epoch that ended (a reconnect)
 * or of a host that left are kept, to be told to the host that counts
 * afresh (an epoch's, until that host confirms it).
 *
 * @module
 */

import { type Address, managerOf } from "../address.ts";
import { DrainWaiters } from "../drain_waiters.ts";
import type { ConnectionStats } from "../stats.ts";
import { type CountsByWay, InFlight } from "./in_flight.ts";
import { MOST_FORGOTTEN } from "./incoming_order.ts";

/** What this host sent to another, and what it confirmed. */
export interface Outgoing {
  /** Which count this is (see `envelope.ts`): none other to this host in this epoch has it. */
  round: number;
  seq: number;
  sentBytes: number;
  ackedBytes: number;
  /** What the receiver has not confirmed yet. */
  inFlight: InFlight;
  drain: DrainWaiters;
  stats: ConnectionStats;
}

/** How many messages this host sent a host in an epoch, in the count `round`. */
export interface SentCount {
  epoch: number;
  round: number;
  sent: number;
}

const NONE: CountsByWay = new Map();

/** What this host sent to each other host, and what they confirmed. */
export class SendWindows {
  readonly #out = new Map<string, Outgoing>();
  /**
   * What this host had sent to each host it saw leave, and in which epoch:
   * told before it sends it more, should it come back, so that it counts
   * what never came before it counts afresh.
   */
  readonly #forgotten = new Map<string, SentCount>();
  /**
   * The windows of this host's previous epoch: how many it sent each host
   * (told after a reconnect) and what of it each had not confirmed (who
   * sent it, should it turn out lost). Kept until the next disconnect, at
   * most a window's worth a host: a host that was away too asks for its
   * count only once this one sends it again, which may be long after, or
   * is told it again once back. Each host confirms the count once it has
   * it: what is still unconfirmed as the epoch is let go is in doubt.
   */
  #previous = new Map<string, Outgoing>();
  #previousEpoch = 0;
  /** The round of the last count begun, to any host: each window begins the next. */
  #round = 0;

  /** The window to `host`, if one is open. */
  get(host: string): Outgoing | undefined {
    return this.#out.get(host);
  }

  /** The windows open, by host. */
  opened(): Iterable<[string, Outgoing]> {
    return this.#out.entries();
  }

  /** Opens the window to `host`. */
  open(host: string): Outgoing {
    // From 1 (0 is no round's), wrapping past the u32 it travels as.
    this.#round = this.#round % 0xffff_ffff + 1;
    const out: Outgoing = {
      round: this.#round,
      seq: 0,
      sentBytes: 0,
      ackedBytes: 0,
      inFlight: new InFlight(),
      drain: new DrainWaiters(),
      stats: {
        peer: managerOf(host),
        messagesIn: 0,
        messagesOut: 0,
        bytesIn: 0,
        bytesOut: 0,
        bytesQueued: 0,
      },
    };
    this.#out.set(host, out);
    return out;
  }

  /** What this host had sent `host` before it saw it leave, once: to tell it first. */
  takeForgotten(host: string): SentCount | undefined {
    const forgotten = this.#forgotten.get(host);
    this.#forgotten.delete(host);
    return forgotten;
  }

  /** Bytes sent to `host` and not confirmed. */
  queued(host: string): number {
    const out = this.#out.get(host);
    return out ? out.sentBytes - out.ackedBytes : 0;
  }

  /** Resolves once no more than `limit` bytes to `host` (or to each host) are unconfirmed. */
  async drained(limit: number, host?: string): Promise<void> {
    const outs = host === undefined ? [...this.#out.values()] : [this.#out.get(host)];
    await Promise.all(outs.map((out) => out?.drain.wait(out.sentBytes - out.ackedBytes, limit)));
  }

  /** Counts per host. */
  connections(): ConnectionStats[] {
    return [...this.#out.values()].map((out) => ({
      ...out.stats,
      bytesQueued: out.sentBytes - out.ackedBytes,
    }));
  }

  /**
   * `host` confirms what this host sent it up to number `highest`, those
   * lost before included, in the count `round`: in the current epoch, or in
   * `before`, the previous one (once it counted it, see `unsettledBefore`).
   * Of another count (one this host gave up as it forgot `host`), it
   * speaks for none of this one's.
   */
  confirm(host: string, highest: number, before: number | undefined, round: number): void {
    const out = this.#window(host, before, round);
    if (!out) return;
    const end = out.inFlight.confirm(highest);
    if (end === undefined || end <= out.ackedBytes) return;
    out.ackedBytes = end;
    out.drain.update(out.sentBytes - out.ackedBytes);
  }

  /**
   * Closes the window to `host`, which left saying it had what this host
   * sent it up to number `had` (none, undefined) of the count `round`, in
   * the current epoch, or, `before` set, in the previous one: returns what
   * else was sent it, which never came. (Its count of the current epoch
   * leaves the previous one in doubt, to `forget`: it may be counting it
   * still.) Of another count, none of this one came.
   */
  close(
    host: string,
    had: number | undefined,
    before: number | undefined,
    round: number,
  ): CountsByWay {
    const neverCame: CountsByWay = new Map();
    const previous = before === undefined ? undefined : this.#previous.get(host);
    if (previous && before === this.#previousEpoch) {
      // It was still counting that epoch: nothing of this one came.
      if (had !== undefined && previous.round === round) previous.inFlight.confirm(had);
      this.#previous.delete(host);
      add(neverCame, previous.inFlight.unconfirmedByWay());
    }
    const out = this.#out.get(host);
    if (!out) return neverCame;
    if (had !== undefined && before === undefined && out.round === round) out.inFlight.confirm(had);
    this.#out.delete(host);
    out.drain.releaseAll();
    return add(neverCame, out.inFlight.unconfirmedByWay());
  }

  /**
   * `host` left without a word, in this host's `epoch`: its window is
   * closed, and what was sent it is kept to tell it should it come back.
   * Returns what it never confirmed, which it may have had, or not: in
   * this epoch, or in the previous one, if it never counted that.
   */
  forget(host: string, epoch: number): CountsByWay {
    const inDoubt = this.#previous.get(host)?.inFlight.unconfirmedByWay() ?? new Map();
    this.#previous.delete(host);
    const out = this.#out.get(host);
    if (!out) return inDoubt;
    if (out.seq > 0) {
      this.#forgotten.delete(host);
      this.#forgotten.set(host, { epoch, round: out.round, sent: out.seq });
      // The oldest let go past a bound (see `MOST_FORGOTTEN`): should it come
      // back, it counts afresh when the numbers start again.
      if (this.#forgotten.size > MOST_FORGOTTEN) {
        this.#forgotten.delete(this.#forgotten.keys().next().value!);
      }
    }
    out.drain.releaseAll();
    this.#out.delete(host);
    return add(inDoubt, out.inFlight.unconfirmedByWay());
  }

  /**
   * The connection to the server dropped, ending this host's `epoch`: every
   * window closes, and what was sent in it is kept to tell after a reconnect.
   */
  endEpoch(epoch: number): void {
    this.#previousEpoch = epoch;
    this.#previous = new Map(this.#out);
    for (const out of this.#out.values()) out.drain.releaseAll();
    this.#out.clear();
  }

  /**
   * Who sent the `count` messages from number `first` on that `host` never
   * had, to whom, of the count `round`: in the current epoch, or in
   * `before`, the previous one (none, if it is not that, nor that count).
   */
  lost(
    host: string,
    first: number,
    count: number,
    before: number | undefined,
    round: number,
  ): CountsByWay {
    return this.#window(host, before, round)?.inFlight.between(first, first + count) ?? NONE;
  }

  /**
   * By sender: how many of the messages to `to`, on `host`, numbered after
   * `had` in the current epoch and count `round`, are not confirmed: what
   * was still on its way to `to` when its host had had up to `had` (of
   * another count, none of this one's).
   */
  after(host: string, had: number, to: Address, round: number): Map<Address, number> {
    const onTheWay = new Map<Address, number>();
    const out = this.#out.get(host);
    const from = out?.round === round ? had + 1 : 0;
    for (const [sender, byTarget] of out?.inFlight.between(from, Infinity) ?? []) {
      const count = byTarget.get(to);
      if (count !== undefined) onTheWay.set(sender, count);
    }
    return onTheWay;
  }

  /** How many messages this host sent `host` in its previous epoch, if that is `epoch`. */
  sentBefore(host: string, epoch: number): SentCount | undefined {
    const previous = this.#previous.get(host);
    if (epoch !== this.#previousEpoch || previous === undefined) return undefined;
    return { epoch, round: previous.round, sent: previous.seq };
  }

  /** How many messages this host sent each host in its previous epoch. */
  allSentBefore(): { host: string; count: SentCount }[] {
    const epoch = this.#previousEpoch;
    return [...this.#previous].map(([host, out]) => ({
      host,
      count: { epoch, round: out.round, sent: out.seq },
    }));
  }

  /**
   * How many messages this host sent `host` in its previous epoch, if
   * `host` has not confirmed them all: it has not counted that epoch yet
   * (it confirms it once told the count), so is told again.
   */
  unsettledBefore(host: string): SentCount | undefined {
    const previous = this.#previous.get(host);
    if (!previous || previous.inFlight.unconfirmed === 0) return undefined;
    return { epoch: this.#previousEpoch, round: previous.round, sent: previous.seq };
  }

  /**
   * What each host never confirmed of the previous epoch, by sender and
   * target, let go of: this host closes, and nobody else will tell it.
   */
  takeUnsettled(): { host: string; inDoubt: CountsByWay }[] {
    const unsettled = [...this.#previous]
      .filter(([, out]) => out.inFlight.unconfirmed > 0)
      .map(([host, out]) => ({ host, inDoubt: out.inFlight.unconfirmedByWay() }));
    this.#previous.clear();
    return unsettled;
  }

  /**
   * Whether `round` is a count to `host` this host gave up in the current
   * epoch, as it forgot `host` (see `takeForgotten`): a process that took
   * the name read its subject before it joined, and speaks of what went to
   * the one before it.
   */
  gaveUp(host: string, round: number): boolean {
    const out = this.#out.get(host);
    return out !== undefined && round !== 0 && out.round !== round;
  }

  /** The window to `host` of the count `round`, in the current epoch, or in `before`, the previous one. */
  #window(host: string, before: number | undefined, round: number): Outgoing | undefined {
    const out = before === undefined
      ? this.#out.get(host)
      : before === this.#previousEpoch
      ? this.#previous.get(host)
      : undefined;
    return out?.round === round ? out : undefined;
  }

  /** Lets every waiter for a drain go: the link closes. */
  releaseAll(): void {
    for (const out of this.#out.values()) out.drain.releaseAll();
  }
}

/** Adds the counts of `more` to `counts`, which it returns. */
function add(counts: CountsByWay, more: CountsByWay): CountsByWay {
  for (const [from, byTarget] of more) {
    const into = counts.get(from) ?? new Map<Address, number>();
    for (const [to, count] of byTarget) into.set(to, (into.get(to) ?? 0) + count);
    counts.set(from, into);
  }
  return counts;
}
