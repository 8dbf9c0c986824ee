/**
 * What the link does with each envelope that comes to this host's subject:
 * it checks who sent it and whether its host may say it (a host speaks only
 * for its own processes), and hands it to the part of the link it is for:
 * messages and what became of them to the receiver, acks to the send
 * windows, counts to `Recounts` and `IncomingOrder`, byes to `Leaving`.
 * Envelopes from a host not seen to join wait (`EarlyEnvelopes`), and are
 * dropped if it never is (`Strangers`). Apart from the link, as reading what
 * comes is one idea, and the link's sending and its connection another.
 *
 * @module
 */

import { type Address, managerOf } from "../address.ts";
import type { BrokerReceiver } from "../broker.ts";
import { FrameError } from "../errors.ts";
import {
  ACK,
  BOUNCE,
  BYE,
  ENDED,
  type Envelope,
  GAP,
  MESSAGE,
  readEnvelopes,
  RECONNECTED,
  RESUME,
  SENT,
} from "./envelope.ts";
import { readBounce, readEnded, readHighest } from "./bodies.ts";
import type { EarlyEnvelopes } from "./early_envelopes.ts";
import type { IncomingOrder } from "./incoming_order.ts";
import type { Leaving } from "./leaving.ts";
import type { RecentNames } from "./recent_names.ts";
import type { Recounts } from "./recounts.ts";
import type { Outgoing, SendWindows } from "./send_windows.ts";
import type { Strangers } from "./strangers.ts";

const NO_ADDRESS = null;

/** What {@linkcode EnvelopeIntake} needs of the link it reads for. */
export interface EnvelopeIntakeOptions {
  /** This host's name. */
  self: string;
  /** This host's subject, named in the reports of what is bad on it. */
  subject: string;
  /** Whether the membership knows `host`. */
  knows(host: string): boolean;
  /** The host a worker id or service name is on, as the membership says. */
  hostOf(address: number | string): string | undefined;
  /** This host's connection to the server now: its epoch. */
  epoch(): number;
  /** What went to each host, and what it confirmed. */
  windows: SendWindows;
  /** The window to `host`, opened if there is none. */
  outgoing(host: string): Outgoing;
  /** What came from each host. */
  incoming: IncomingOrder;
  /** The counts told the others, and what they say they never had. */
  recounts: Recounts;
  /** The byes said and heard. */
  leaving: Leaving;
  /** Envelopes from hosts the membership does not know yet. */
  early: EarlyEnvelopes;
  /** What hosts that are not members send: dropped, counted. */
  strangers: Strangers;
  /** The latest names whose envelopes were dropped as strangers'. */
  droppedFrom: RecentNames;
  /** Who is handed what comes. */
  receiver(): BrokerReceiver | undefined;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
}

/** Reads the envelopes that come to this host, and hands each to what it is for. */
export class EnvelopeIntake {
  readonly #options: EnvelopeIntakeOptions;
  readonly #windows: SendWindows;
  readonly #incoming: IncomingOrder;

  constructor(options: EnvelopeIntakeOptions) {
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

  #knows(host: string): boolean {
    return this.#options.knows(host);
  }

  /** One published message: envelopes, each handled on its own. */
  onMessages(bytes: Uint8Array): void {
    const whole = readEnvelopes(bytes, (envelope) => {
      const known = this.#knows(envelope.host);
      // A host not seen to join says bye: nothing went to it, and, kept,
      // its bye could be taken for a later process of that name's.
      if (envelope.kind === BYE && !known) return;
      if (!this.#options.early.keep(envelope, known)) this.handle(envelope);
    });
    if (!whole) {
      this.#options.report(
        new FrameError(`Bad message on ${this.#options.subject}: not an envelope`),
      );
    }
  }

  /** Handles one envelope; what it throws is reported, not thrown. */
  handle(envelope: Envelope): void {
    try {
      this.#onEnvelope(envelope);
    } catch (error) {
      // One envelope's failure (a receiver's bug) must not cost the others.
      this.#options.report(error as Error);
    }
  }

  #onEnvelope(envelope: Envelope): void {
    if (envelope.host === this.#options.self) {
      // This host never publishes to itself.
      return this.#options.report(
        new FrameError(
          `Bad message on ${this.#options.subject}: it claims to be from here`,
        ),
      );
    }
    // Unknown still, once it waited to be seen (see `onMessages`): taken in,
    // each made-up name would be kept (a count, a batch), for good.
    if (!this.#knows(envelope.host)) return this.#dropStranger(envelope.host);
    switch (envelope.kind) {
      case MESSAGE:
        return this.#onMessage(envelope);
      case ACK:
        return this.#onAck(envelope);
      case GAP:
        return this.#options.recounts.onGap(envelope);
      case RESUME:
        return this.#options.recounts.onResume(envelope);
      case BOUNCE:
        return this.#onBounce(envelope);
      case BYE:
        return this.#options.leaving.onBye(envelope, this.#epoch);
      case RECONNECTED:
        return this.#options.recounts.onReconnected(envelope.host);
      case SENT:
        return this.#incoming.sent(envelope.host, envelope.epoch, envelope.round, envelope.seq);
      case ENDED:
        return this.#onEnded(envelope);
    }
  }

  /** Drops an envelope from `host`, not a member, remembering the name a while. */
  #dropStranger(host: string): void {
    this.#options.strangers.dropped(host);
    this.#options.droppedFrom.note(host);
  }

  /**
   * A process of another host ended (see `BrokerReceiver.ended`): what
   * this host sent it after what its host had had is still on its way.
   */
  #onEnded(envelope: Envelope): void {
    const { host, from, seq: epoch, body } = envelope;
    const said = readEnded(body);
    // Only its own host speaks for a process, and not for its manager.
    if (
      from === NO_ADDRESS || from === managerOf(host) || !this.#attested(host, from) ||
      said === undefined
    ) {
      return this.#options.report(
        new FrameError(
          `Bad message from host ${JSON.stringify(host)}: it may not say ${String(from)} ended`,
        ),
      );
    }
    // What was sent after what it had, in this epoch, is still on its way.
    const had = epoch === this.#epoch ? said.had ?? -1 : -1;
    this.#receiver?.ended(from, said.reason, this.#windows.after(host, had, from, envelope.round));
  }

  #onMessage(envelope: Envelope): void {
    const { host, epoch, round, seq, from, to, body } = envelope;
    if (from === NO_ADDRESS || to === NO_ADDRESS || !this.#attested(host, from)) {
      return this.#options.report(
        new FrameError(
          `Bad message from host ${JSON.stringify(host)}: it may not send as ${String(from)}`,
        ),
      );
    }
    const incoming = this.#incoming.count(host, epoch, round, seq, body.length);
    // Late, of an epoch counted already: told lost to its sender.
    if (incoming === undefined) return;
    const out = this.#options.outgoing(host);
    out.stats.messagesIn++;
    out.stats.bytesIn += body.length;
    try {
      this.#receiver?.deliver(from, to, body);
    } finally {
      this.#incoming.confirm(host, incoming);
    }
  }

  /** Whether host `host` may send as `from`: it is one of its processes. */
  #attested(host: string, from: Address): boolean {
    if (!this.#knows(host)) return false;
    return from === managerOf(host) || this.#options.hostOf(from) === host;
  }

  #onAck(envelope: Envelope): void {
    const seq = readHighest(envelope.body);
    if (seq === undefined) return;
    // Of the previous epoch: late, or its count settled (see `Recounts.onReconnected`).
    const before = envelope.seq === this.#epoch ? undefined : envelope.seq;
    this.#windows.confirm(envelope.host, seq, before, envelope.round);
  }

  #onBounce(envelope: Envelope): void {
    const { host, from, to, body } = envelope;
    if (from === NO_ADDRESS || to === NO_ADDRESS) return;
    // A host refuses only what this host's processes sent its own: taken
    // from anyone, a bounce failed what this host's processes have open
    // with each other, or with a third host's, which never crossed NATS.
    if (!this.#attested(host, to) || !this.#attested(this.#options.self, from)) {
      return this.#options.report(
        new FrameError(
          `Bad message from host ${JSON.stringify(host)}: it may not refuse what ${
            String(from)
          } sent ${String(to)}`,
        ),
      );
    }
    const { reason, ...details } = readBounce(body);
    this.#receiver?.bounced(from, to, reason, details);
  }
}
