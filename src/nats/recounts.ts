/**
 * The sender's side of the counts hosts tell each other, so that nothing
 * is lost unsaid where core NATS drops it (the receiver's side is
 * `incoming_order.ts`). After a reconnect this host tells each other host
 * how many it had sent it in the epoch before (RESUME), and asks each how
 * many it sent meanwhile (RECONNECTED); asked so, it answers how many it
 * sent in this epoch (SENT), and again the count before, if nothing
 * confirmed it. It tells SENT unasked too, when its last messages to a
 * host stay unconfirmed (`tail_check.ts`). A host it forgot, and sends to again, is told what it
 * had sent it before, and a host whose envelopes were dropped before it
 * was seen to join is asked, as after a reconnect. What a host says it
 * never had (GAP) is told to each sender, and fails what is in flight.
 *
 * @module
 */

import type { BrokerReceiver } from "../broker.ts";
import { counted } from "../counted.ts";
import { UnreachableError } from "../errors.ts";
import {
  AFTER_RECONNECTING,
  type Envelope,
  type EnvelopePart,
  RECONNECTED,
  RESUME,
  SENT,
} from "./envelope.ts";
import { readGap, readResume, resumeBody } from "./bodies.ts";
import type { IncomingOrder } from "./incoming_order.ts";
import type { Outgoing, SendWindows, SentCount } from "./send_windows.ts";

const NO_ADDRESS = null;
const EMPTY = new Uint8Array(0);

/** What {@linkcode Recounts} needs of the link it speaks for. */
export interface RecountsOptions {
  /** This host's name. */
  self: string;
  /** The names of every live host, this one included. */
  hosts(): string[];
  /** This host's connection to the server now: its epoch. */
  epoch(): number;
  /** What went to each host, and what it confirmed. */
  windows: SendWindows;
  /** What came from each host. */
  incoming: IncomingOrder;
  /** Publishes an envelope to `host`. */
  publish(host: string, part: EnvelopePart): void;
  /** Who is told of what never came. */
  receiver(): BrokerReceiver | undefined;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
  /** Tells those listening that `host` says it is back (see `BrokerLink.onBack`). */
  back(host: string): void;
  /** Tells those listening that `host` never had some of this host's messages (see `BrokerLink.onMissed`). */
  missed(host: string): void;
}

/** The counts a host tells the others of what it sent them, and what it hears of their losses. */
export class Recounts {
  readonly #options: RecountsOptions;
  readonly #windows: SendWindows;
  readonly #incoming: IncomingOrder;

  constructor(options: RecountsOptions) {
    this.#options = options;
    this.#windows = options.windows;
    this.#incoming = options.incoming;
  }

  get #epoch(): number {
    return this.#options.epoch();
  }

  get #receiver(): BrokerReceiver | undefined {
    return this.#options.receiver();
  }

  #publish(host: string, part: EnvelopePart): void {
    this.#options.publish(host, part);
  }

  /**
   * This host reconnected, in a new epoch: each host is told how many it
   * was sent in the epochs before, and asked how much it sent meanwhile.
   */
  reconnected(): void {
    // Kept until the next disconnect: a receiver that missed this asks.
    for (const { host, count } of this.#windows.allSentBefore()) this.resume(host, count);
    // And each host is asked how much it sent meanwhile (see `onReconnected`).
    for (const host of this.#options.hosts()) {
      if (host !== this.#options.self) this.askSent(host);
    }
  }

  /** Asks `host` how many it sent this host, as after a reconnect (see `onReconnected`). */
  askSent(host: string): void {
    this.#publish(host, {
      kind: RECONNECTED,
      from: NO_ADDRESS,
      to: NO_ADDRESS,
      seq: 0,
      body: EMPTY,
    });
  }

  /**
   * `host` never had `count` messages of this host's (a gap in their
   * numbers, or fewer than were sent): each sender is told of its own, by
   * target, as of a bounce (a worker on its own `onError`), and what is in
   * flight with `host` may be lost with them, and fails. Those whose
   * senders are not known here any more (sent before this host forgot
   * `host`, which told them then that they may not have been delivered; or
   * in an epoch before the last) are said here, as a count. Those
   * listening for it (`onMissed`) tell it again what it must not miss.
   */
  onGap(envelope: Envelope): void {
    const { host, seq: count } = envelope;
    const gap = readGap(envelope.body);
    const name = JSON.stringify(host);
    const lost = (n: number) =>
      `${counted(n, "message")} to host ${name} ${n === 1 ? "was" : "were"} lost on the way`;
    const before = gap?.epoch === this.#epoch ? undefined : gap?.epoch;
    if (before === undefined && this.#windows.gaveUp(host, envelope.round)) {
      // Its senders were told, as this host forgot `host`, that it may not
      // have been delivered. What is open now with `host` went later, and
      // is not failed for it (trial 29: a process started again at once).
      return this.#options.report(new UnreachableError(lost(count)));
    }
    const senders = gap ? this.#windows.lost(host, gap.first, count, before, envelope.round) : [];
    let told = 0;
    for (const [from, byTarget] of senders) {
      for (const [to, n] of byTarget) {
        told += n;
        this.#receiver?.bounced(from, to, `lost on the way to host ${name}`, { count: n });
      }
    }
    if (told < count) this.#options.report(new UnreachableError(lost(count - told)));
    this.#receiver?.lost(host, new UnreachableError(lost(count)));
    this.#options.missed(host);
  }

  /**
   * A sender that reconnected says how many it had sent in its previous
   * epoch: what never came of them is counted. Empty, it is a question: how
   * many did this host send in epoch `seq`?
   */
  onResume(envelope: Envelope): void {
    const { host } = envelope;
    if (envelope.body.length === 0) {
      const before = this.#windows.sentBefore(host, envelope.seq);
      if (before) this.resume(host, before);
      return;
    }
    const resume = readResume(envelope.body);
    if (resume) this.#incoming.resumed(envelope, resume.epoch, resume.sent);
  }

  /**
   * Tells `host` how many messages this host sent it in an epoch, and
   * which count (its round) they were, before it counts afresh: after a
   * reconnect, or (`why`) after it forgot `host`.
   */
  resume(host: string, { epoch, round, sent }: SentCount, why = AFTER_RECONNECTING): void {
    const body = resumeBody(epoch, sent);
    this.#publish(host, { kind: RESUME, from: NO_ADDRESS, to: NO_ADDRESS, round, seq: why, body });
  }

  /**
   * `host` reconnected: what this host sent it meanwhile never came, nor did
   * its acks. It is told how many this host has sent it in this epoch, after
   * them: it reports what never came, and confirms the rest (a window that
   * filled meanwhile would else stay full, and the loss untold). And, first,
   * how many in the previous epoch, if it never confirmed that count: it
   * was away when this host reconnected and told it, and, sent nothing
   * since, would never ask.
   */
  onReconnected(host: string): void {
    const before = this.#windows.unsettledBefore(host);
    if (before) this.resume(host, before);
    const out = this.#windows.get(host);
    if (out && out.seq > 0) this.tellSent(host, out);
    this.#options.back(host);
  }

  /**
   * Tells `host` how many messages this host has sent it in this epoch, in
   * the count (round) of `out`, each before this word: it reports what
   * never came, and confirms.
   */
  tellSent(host: string, { round, seq }: Pick<Outgoing, "round" | "seq">): void {
    this.#publish(host, { kind: SENT, from: NO_ADDRESS, to: NO_ADDRESS, round, seq, body: EMPTY });
  }
}
