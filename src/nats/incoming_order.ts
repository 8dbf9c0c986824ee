/**
 * `IncomingOrder`: what one host received from each other host, counted
 * per sender and per epoch (the sender's connection to the server). It
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
  received: number;
  timer: ReturnType<typeof setTimeout>;
}

/** An earlier epoch of a host, counted: how many it said it sent in it. */
interface Settled {
  epoch: number;
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
   * Counts message `seq` of `size` bytes from `host`, sent in `epoch`:
   * what was skipped is reported lost. Returns the count to confirm it
   * against, with {@linkcode IncomingOrder.confirm}, once delivered;
   * undefined for a message that comes late, of an earlier epoch (see
   * `#late`): not to be delivered.
   */
  count(host: string, epoch: number, seq: number, size: number): Incoming | undefined {
    if (this.#late(host, epoch)) return undefined;
    const incoming = this.#current(host, epoch);
    if (seq < incoming.expect) {
      // The sender counts afresh in the same epoch: it saw this host leave
      // and forgot it (see `forget`), and its word of how many it had sent
      // before (a RESUME, which comes first) did not come. So does this one.
      countAfresh(incoming, epoch);
    }
    if (seq !== incoming.expect) this.#missing(host, seq - incoming.expect, epoch, incoming.expect);
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
    const { host } = envelope;
    const afterReconnecting = envelope.seq !== AFTER_FORGETTING;
    const incoming = this.#in.get(host);
    if (!incoming) {
      // Nothing of it came here: all it sent was lost. Unless it speaks of
      // before it forgot this host: another process may be here since.
      if (!afterReconnecting) return;
      if (sent > 0) this.#missing(host, sent, epoch, 0);
      // Counted: told again, it is not counted twice.
      const counting = fresh(envelope.epoch);
      this.#in.set(host, counting);
      return this.#settle(host, counting, epoch, sent);
    }
    if (epoch === incoming.epoch) {
      // Numbered before it forgot this host: who sent them, it forgot too.
      const first = afterReconnecting ? incoming.expect : undefined;
      if (sent > incoming.expect) this.#missing(host, sent - incoming.expect, epoch, first);
      // Counted: what comes next (a new epoch, or the same one counted
      // afresh after it forgot this host) starts from nothing, bytes too.
      countAfresh(incoming, envelope.epoch);
      this.#forgotten.take(host);
      // Confirmed only after a reconnect: forgotten, the sender numbers
      // anew in the same epoch, which a confirmation would speak for.
      if (afterReconnecting) this.#settle(host, incoming, epoch, sent);
    } else if (epoch === incoming.unresolved?.epoch) {
      clearTimeout(incoming.unresolved.timer);
      const { received } = incoming.unresolved;
      incoming.unresolved = undefined;
      if (sent > received) this.#missing(host, sent - received, epoch, received);
      this.#settle(host, incoming, epoch, sent);
    } else if (afterReconnecting && epoch === incoming.settled?.epoch) {
      // Counted already: the sender never had the confirmation.
      this.#settle(host, incoming, epoch, incoming.settled.sent);
    }
  }

  /**
   * `host` says it sent this host `sent` messages in `epoch`, each before
   * this word (asked after this host reconnected: what it sent meanwhile
   * never came, nor did this host's acks). What never came is reported, and
   * everything confirmed, so that its window frees.
   */
  sent(host: string, epoch: number, sent: number): void {
    if (sent === 0 || this.#late(host, epoch)) return;
    const incoming = this.#current(host, epoch);
    // Fewer than came: it counts afresh in this epoch (it forgot this
    // host), and its word of that (a RESUME) never came, nor did anything
    // it sent since (one would have counted afresh here, see `count`): so
    // this host does too, and all of the new count is lost. Passed over,
    // its tail check told it again each heartbeat, to no end, while those
    // messages stayed in doubt until it sent more.
    if (sent < incoming.expect) countAfresh(incoming, epoch);
    if (sent > incoming.expect) this.#missing(host, sent - incoming.expect, epoch, incoming.expect);
    incoming.expect = sent;
    this.#ack(host, incoming);
  }

  /** The epoch of `host` this host counts, and the highest number it had, if any came. */
  had(host: string): { epoch: number; highest: number } | undefined {
    const incoming = this.#in.get(host);
    if (!incoming || incoming.expect === 0) return undefined;
    return { epoch: incoming.epoch, highest: incoming.expect - 1 };
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
   * What is counted from `host` in `epoch`: the count of its epoch before,
   * if that was another, is asked for (and what was open with it failed
   * should the answer not come).
   */
  #current(host: string, epoch: number): Incoming {
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
    if (!incoming || incoming.epoch !== epoch) {
      const before = incoming;
      clearTimeout(before?.ackTimer);
      const counting = fresh(epoch);
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
   * Confirms the `sent` messages of `host`'s earlier `epoch`, counted: what
   * never came of them is reported already. Remembered in `incoming`, what
   * is counted now, to be confirmed again if told again.
   */
  #settle(host: string, incoming: Incoming, epoch: number, sent: number): void {
    incoming.settled = { epoch, sent };
    if (!this.#options.canAck() || sent === 0) return;
    this.#options.publish(host, {
      kind: ACK,
      from: NO_ADDRESS,
      to: NO_ADDRESS,
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
   * `epoch`: said here, failed here (what was in flight may be lost), and
   * told to the sender, which tells who sent them (`first` undefined: it
   * cannot, as it numbered them before it forgot this host).
   */
  #missing(host: string, count: number, epoch: number, first: number | undefined): void {
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
      seq: count,
      body: first === undefined ? EMPTY : gapBody(epoch, first),
    });
  }
}

/** What comes from a host in `epoch`, counted from nothing. */
function fresh(epoch: number): Incoming {
  return { epoch, expect: 0, bytes: 0, ackedBytes: 0, ackTimer: undefined };
}

/** Counts what comes from a host from nothing, in `epoch`: numbers, bytes, acks. */
function countAfresh(incoming: Incoming, epoch: number): void {
  clearTimeout(incoming.ackTimer);
  Object.assign(incoming, {
    earlier: epoch === incoming.epoch ? incoming.earlier : earlierThan(incoming),
    epoch,
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
