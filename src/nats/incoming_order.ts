/**
 * `IncomingOrder`: what one host received from each other host, counted
 * per sender and per epoch (the sender's connection to the server), and
 * per count within it (its round: the sender counts afresh as it forgets
 * this host, see `envelope.ts`). It
 * finds what never came (a gap in the numbers, or fewer than the sender
 * says it sent before it counted afresh), tells both sides, and confirms
 * what came, so that the sender can send more.
 *
 * @module
 */

import { counted } from "../counted.ts";
import { UnreachableError } from "../errors.ts";
import type { BrokerReceiver } from "../broker.ts";
import { RecentNames } from "./recent_names.ts";
import { gapBody, highestBody } from "./bodies.ts";
import {
  ACK,
  AFTER_FORGETTING,
  type Envelope,
  type EnvelopePart,
  GAP,
  RESUME,
} from "./envelope.ts";

/**
 * How long a host waits, in ms, for the count of an earlier epoch it asked
 * a reconnected host for, before it takes what was open with that host as
 * lost: the question or the answer may itself be lost, or the sender gone
 * again.
 */
const RESUME_PATIENCE = 1_000;
/** Confirm what was received once this many bytes are unconfirmed… */
const ACK_BYTES = 64 * 1024;
/** …or this many ms after the first of them came. */
const ACK_DELAY = 5;
const NO_ADDRESS = null;
const EMPTY = new Uint8Array(0);
/**
 * How many hosts that left are remembered, at most, the latest: a cluster
 * whose hosts come and go under new names (a container's, say) would else
 * hold one count for each it ever saw.
 */
export const MOST_FORGOTTEN = 1_024;
/**
 * How many earlier epochs of a host are remembered, at most, the latest: a
 * path that stalls one way stalls the next connection too, so a host may
 * connect again several times before what its dead connections held
 * reaches the server.
 */
const MOST_EARLIER = 16;

/** What this host received from another in its current epoch. */
export interface Incoming {
  epoch: number;
  /**
   * The sender's count counted (see `envelope.ts`); 0 until the first of
   * it comes, after the sender said it counts afresh.
   */
  round: number;
  expect: number;
  /** An earlier epoch whose end is not counted yet. */
  unresolved?: Unresolved;
  /**
   * The earlier epoch last counted, and its count: told it again, this
   * host confirms it again (see `resumed`).
   */
  settled?: Settled;
  /** Its earlier epochs, the latest first: what comes of one now is late (see `#late`). */
  earlier?: readonly number[];
  bytes: number;
  ackedBytes: number;
  ackTimer: ReturnType<typeof setTimeout> | undefined;
}

/** What {@linkcode IncomingOrder} needs of the link it counts for. */
export interface IncomingOrderOptions {
  /** Publishes an envelope to `host`. */
  publish(host: string, part: EnvelopePart): void;
  /** Who is told of what was lost. */
  receiver(): BrokerReceiver | undefined;
  /** Whether confirmations can go: connected, not closing, and this host surely itself. */
  canAck(): boolean;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
  /** See {@linkcode RESUME_PATIENCE} (the default). */
  resumePatience?: number;
}

/**
 * An earlier epoch of a host whose count was asked for: how many of it
 * came, and the timer after which it is taken as lost.
 */
interface Unresolved {
  epoch: number;
  round: number;
  received: number;
  timer: ReturnType<typeof setTimeout>;
}

/** An earlier epoch of a host, counted: how many it said it sent in it, in the count `round`. */
interface Settled {
  epoch: number;
  round: number;
  sent: number;
}

/** Counts what comes from each other host, and confirms it. */
export class IncomingOrder {
  readonly #in = new Map<string, Incoming>();
  /**
   * The hosts that left, oldest first: if one comes back, it is the same
   * process only if its epoch is.
   */
  readonly #forgotten = new RecentNames(MOST_FORGOTTEN);
  readonly #options: IncomingOrderOptions;

  constructor(options: IncomingOrderOptions) {
    this.#options = options;
  }

  /**
   * Counts message `seq` of `size` bytes from `host`, sent in `epoch` and
   * its count `round`: what was skipped is reported lost. Returns the count
   * to confirm it against, with {@linkcode IncomingOrder.confirm}, once
   * delivered; undefined for a message that comes late, of an earlier
   * epoch (see `#late`): not to be delivered.
   */
  count(
    host: string,
    epoch: number,
    round: number,
    seq: number,
    size: number,
  ): Incoming | undefined {
    if (this.#late(host, epoch)) return undefined;
    const incoming = this.#current(host, epoch, round);
    // Fewer than counted, in the same count: no sender numbers so (a new
    // count has a new round, see `#current`), and a negative gap says
    // nothing; taken as a count begun afresh, as before rounds were.
    if (seq < incoming.expect) countAfresh(incoming, epoch, round);
    if (seq !== incoming.expect) {
      this.#missing(host, seq - incoming.expect, epoch, round, incoming.expect);
    }
    incoming.expect = seq + 1;
    incoming.bytes += size;
    return incoming;
  }

  /** Confirms what `incoming` counted from `host`: at once past a size, else soon. */
  confirm(host: string, incoming: Incoming): void {
    if (incoming.bytes - incoming.ackedBytes >= ACK_BYTES) return this.#ack(host, incoming);
    incoming.ackTimer ??= setTimeout(() => this.#ack(host, incoming), ACK_DELAY);
  }

  /**
   * Confirms to each host what came from it and went unconfirmed while
   * confirmations could not go (this host's keys may have lapsed): else a
   * sender that sends nothing more would hold it in doubt for good.
   */
  ackUnconfirmed(): void {
    for (const [host, incoming] of this.#in) {
      if (!this.#forgotten.has(host) && incoming.bytes > incoming.ackedBytes) {
        this.#ack(host, incoming);
      }
    }
  }

  /**
   * A sender that counts afresh (`envelope`, a RESUME) says how many it had
   * sent in an earlier epoch: what never came of them is reported. After a
   * reconnect, the count is confirmed: the sender keeps that epoch's
   * messages in doubt until then, and tells the count again (see
   * `SendWindows.unsettledBefore`): told again, it is confirmed again, not
   * counted twice (the confirmation may have been lost on the way, and
   * else, the sender stopping, it would say delivered messages may not
   * have been).
   */
  resumed(envelope: Envelope, epoch: number, sent: number): void {
    const { host, round } = envelope;
    const afterReconnecting = envelope.seq !== AFTER_FORGETTING;
    const incoming = this.#in.get(host);
    if (!incoming) {
      // Nothing of it came here: all it sent was lost. Unless it speaks of
      // before it forgot this host: another process may be here since.
      if (!afterReconnecting) return;
      if (sent > 0) this.#missing(host, sent, epoch, round, 0);
      // Counted: told again, it is not counted twice.
      const counting = fresh(envelope.epoch, 0);
      this.#in.set(host, counting);
      return this.#settle(host, counting, epoch, round, sent);
    }
    if (epoch === incoming.epoch) {
      // Of another count than this host's (it began after, and nothing of
      // it came): all of it was lost.
      const had = round === incoming.round ? incoming.expect : 0;
      // Numbered before it forgot this host: who sent them, it forgot too.
      const first = afterReconnecting ? had : undefined;
      if (sent > had) this.#missing(host, sent - had, epoch, round, first);
      // Counted: what comes next (a new epoch, or the same one counted
      // afresh after it forgot this host) starts from nothing, bytes too.
      countAfresh(incoming, envelope.epoch, 0);
      this.#forgotten.take(host);
      // Confirmed only after a reconnect: forgotten, the sender numbers
      // anew in the same epoch, which a confirmation would speak for.
      if (afterReconnecting) this.#settle(host, incoming, epoch, round, sent);
    } else if (epoch === incoming.unresolved?.epoch) {
      clearTimeout(incoming.unresolved.timer);
      const received = round === incoming.unresolved.round ? incoming.unresolved.received : 0;
      incoming.unresolved = undefined;
      if (sent > received) this.#missing(host, sent - received, epoch, round, received);
      this.#settle(host, incoming, epoch, round, sent);
    } else if (
      afterReconnecting && epoch === incoming.settled?.epoch && round === incoming.settled.round
    ) {
      // Counted already: the sender never had the confirmation.
      this.#settle(host, incoming, epoch, round, incoming.settled.sent);
    }
  }

  /**
   * `host` says it sent this host `sent` messages in `epoch` and its count
   * `round`, each before this word (asked after this host reconnected:
   * what it sent meanwhile never came, nor did this host's acks). What
   * never came is reported, and everything confirmed, so that its window
   * frees. Of a count that began after this host's (the sender forgot this
   * host, and its RESUME never came, nor anything of the new count), all
   * of it: see `#current`.
   */
  sent(host: string, epoch: number, round: number, sent: number): void {
    if (sent === 0 || this.#late(host, epoch)) return;
    const incoming = this.#current(host, epoch, round);
    if (sent > incoming.expect) {
      this.#missing(host, sent - incoming.expect, epoch, round, incoming.expect);
    }
    // Never fewer: each message counted was sent before this word.
    incoming.expect = Math.max(incoming.expect, sent);
    this.#ack(host, incoming);
  }

  /**
   * The epoch of `host` this host counts, its count (round), and the
   * highest number it had, if any came.
   */
  had(host: string): { epoch: number; round: number; highest: number } | undefined {
    const incoming = this.#in.get(host);
    if (!incoming || incoming.expect === 0) return undefined;
    return { epoch: incoming.epoch, round: incoming.round, highest: incoming.expect - 1 };
  }

  /**
   * `host` left. What came from it is kept, marked: if the same process
   * comes back (it was paused past its keys' lifetime, say), its count goes
   * on without a false gap.
   */
  forget(host: string): void {
    const incoming = this.#in.get(host);
    if (!incoming) return;
    clearTimeout(incoming.ackTimer);
    incoming.ackTimer = undefined;
    // What was open with it failed as it left.
    clearTimeout(incoming.unresolved?.timer);
    incoming.unresolved = undefined;
    const oldest = this.#forgotten.note(host);
    if (oldest !== undefined) this.#in.delete(oldest);
  }

  /** Stops every confirmation waiting to go, and every wait for a count: the link closes. */
  stop(): void {
    for (const incoming of this.#in.values()) {
      clearTimeout(incoming.ackTimer);
      clearTimeout(incoming.unresolved?.timer);
    }
  }

  /**
   * Whether `epoch` is an earlier epoch of `host` (one of the last
   * {@linkcode MOST_EARLIER}, among them those whose count this host asked
   * for or took): what comes of it now was sent on a connection its
   * host took for dead, and reached the server after it connected again
   * (the data a closed socket still had on its way). It is dropped: its
   * count tells it lost, or told it so already, and it would come after
   * what was sent later. Taken for a new epoch, it was delivered, and the
   * current epoch's next message was taken for a new one again: loss
   * reported that never happened, and what was in flight failed.
   */
  #late(host: string, epoch: number): boolean {
    const incoming = this.#in.get(host);
    if (!incoming || incoming.epoch === epoch || this.#forgotten.has(host)) return false;
    return incoming.earlier?.includes(epoch) === true;
  }

  /**
   * What is counted from `host` in `epoch` and its count `round`: the count
   * of its epoch before, if that was another, is asked for (and what was
   * open with it failed should the answer not come). Another round of the
   * same epoch is counted afresh: the sender forgot this host (see
   * `forget`) and began a new count, and its word of the old one (a
   * RESUME, which comes first) did not come. Taken as going on with the
   * old count, the new one's first messages, as many as the old had, were
   * confirmed though they never came.
   */
  #current(host: string, epoch: number, round: number): Incoming {
    let incoming = this.#in.get(host);
    if (incoming && this.#forgotten.take(host)) {
      // It left and came back. The same process (paused a while, say) goes
      // on counting; another (restarted under its name, or reconnected
      // meanwhile) starts afresh: what was open with it failed as it left.
      if (incoming.epoch !== epoch) {
        this.#in.delete(host);
        incoming = undefined;
      }
    }
    if (incoming?.epoch === epoch && incoming.round !== round) {
      // 0: it said it counts afresh, and this is the first of the new count.
      if (incoming.round !== 0) countAfresh(incoming, epoch, round);
      incoming.round = round;
    }
    if (!incoming || incoming.epoch !== epoch) {
      const before = incoming;
      clearTimeout(before?.ackTimer);
      const counting = fresh(epoch, round);
      if (before) counting.earlier = earlierThan(before);
      incoming = counting;
      this.#in.set(host, counting);
      if (before) {
        // An epoch before that one is still not counted: it will not be
        // (the sender answers for its last only), so it counts as lost now.
        if (before.unresolved) this.#countNeverCame(host, before.unresolved);
        // A new connection of that host, and its count of the old one never
        // came: it is asked how much it sent, and what never came is failed
        // then. Not before: this message, and what else it sends now, may
        // answer requests open here, which nothing lost can concern.
        const unresolved: Unresolved = {
          epoch: before.epoch,
          round: before.round,
          received: before.expect,
          timer: setTimeout(() => {
            if (counting.unresolved !== unresolved) return;
            counting.unresolved = undefined;
            this.#countNeverCame(host, unresolved);
          }, this.#options.resumePatience ?? RESUME_PATIENCE),
        };
        counting.unresolved = unresolved;
        this.#options.publish(host, {
          kind: RESUME,
          from: NO_ADDRESS,
          to: NO_ADDRESS,
          seq: before.epoch,
          body: EMPTY,
        });
      }
    }
    return incoming;
  }

  /**
   * Confirms the `sent` messages of `host`'s earlier `epoch` (its count
   * `round`), counted: what never came of them is reported already.
   * Remembered in `incoming`, what is counted now, to be confirmed again
   * if told again.
   */
  #settle(host: string, incoming: Incoming, epoch: number, round: number, sent: number): void {
    incoming.settled = { epoch, round, sent };
    if (!this.#options.canAck() || sent === 0) return;
    this.#options.publish(host, {
      kind: ACK,
      from: NO_ADDRESS,
      to: NO_ADDRESS,
      round,
      seq: epoch,
      body: highestBody(sent - 1),
    });
  }

  #ack(host: string, incoming: Incoming): void {
    clearTimeout(incoming.ackTimer);
    incoming.ackTimer = undefined;
    if (!this.#options.canAck() || incoming.expect === 0) return;
    incoming.ackedBytes = incoming.bytes;
    // By number, the highest had: what was lost before it is confirmed too.
    const body = highestBody(incoming.expect - 1);
    // The epoch acknowledged is the sender's: it travels in `seq`.
    this.#options.publish(host, {
      kind: ACK,
      from: NO_ADDRESS,
      to: NO_ADDRESS,
      round: incoming.round,
      seq: incoming.epoch,
      body,
    });
  }

  /**
   * The count of an earlier epoch of `host` never came: how many of its
   * messages were lost, if any, is not known. What was open with it may
   * have been among them: said here, and failed here.
   */
  #countNeverCame(host: string, unresolved: Unresolved): void {
    clearTimeout(unresolved.timer);
    const error = new UnreachableError(
      `Messages from host ${
        JSON.stringify(host)
      } may have been lost on the way: it reconnected, and its count of what it had sent before never came`,
    );
    this.#options.report(error);
    this.#options.receiver()?.lost(host, error);
  }

  /**
   * `count` messages from `host` never came, numbered from `first` in its
   * `epoch` and count `round`: said here, failed here (what was in flight
   * may be lost), and told to the sender, which tells who sent them
   * (`first` undefined: it cannot, as it numbered them before it forgot
   * this host).
   */
  #missing(
    host: string,
    count: number,
    epoch: number,
    round: number,
    first: number | undefined,
  ): void {
    const error = new UnreachableError(
      `${counted(count, "message")} from host ${JSON.stringify(host)} ${
        count === 1 ? "was" : "were"
      } lost on the way`,
    );
    this.#options.report(error);
    this.#options.receiver()?.lost(host, error);
    this.#options.publish(host, {
      kind: GAP,
      from: NO_ADDRESS,
      to: NO_ADDRESS,
      round,
      seq: count,
      body: first === undefined ? EMPTY : gapBody(epoch, first),
    });
  }
}

/** What comes from a host in `epoch` and its count `round`, counted from nothing. */
function fresh(epoch: number, round: number): Incoming {
  return { epoch, round, expect: 0, bytes: 0, ackedBytes: 0, ackTimer: undefined };
}

/**
 * Counts what comes from a host from nothing, in `epoch` and its count
 * `round` (0, the next to come): numbers, bytes, acks.
 */
function countAfresh(incoming: Incoming, epoch: number, round: number): void {
  clearTimeout(incoming.ackTimer);
  Object.assign(incoming, {
    earlier: epoch === incoming.epoch ? incoming.earlier : earlierThan(incoming),
    epoch,
    round,
    expect: 0,
    bytes: 0,
    ackedBytes: 0,
    ackTimer: undefined,
  });
}

/** The epochs of a host before the next one: `incoming`'s, and those before it. */
function earlierThan(incoming: Incoming): readonly number[] {
  return [incoming.epoch, ...(incoming.earlier ?? [])].slice(0, MOST_EARLIER);
}
