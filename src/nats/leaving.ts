/**
 * How hosts leave each other, and what the senders of what was in flight
 * to a host that leaves are told. A host that closes says bye to each
 * other host: how much of what it sent it had. Told a bye, the rest is
 * refused to its senders (it never came, and never will), and nothing
 * more goes to that host. A host that leaves without a bye (it died, or
 * was cut off) may have had what it never confirmed, or not: that is told
 * to their senders as in doubt, as is what a count this host can no
 * longer settle leaves unconfirmed.
 *
 * @module
 */

import type { BrokerReceiver } from "../broker.ts";
import { BYE, type Envelope, type EnvelopePart } from "./envelope.ts";
import { highestBody, readHighest } from "./bodies.ts";
import type { CountsByWay } from "./in_flight.ts";
import type { IncomingOrder } from "./incoming_order.ts";
import type { SendWindows } from "./send_windows.ts";

const NO_ADDRESS = null;
const EMPTY = new Uint8Array(0);

/** What {@linkcode Leaving} needs of the link it speaks for. */
export interface LeavingOptions {
  /** This host's name. */
  self: string;
  /** The names of every live host, this one included. */
  hosts(): string[];
  /** What went to each host, and what it confirmed. */
  windows: SendWindows;
  /** What came from each host. */
  incoming: IncomingOrder;
  /** Publishes an envelope to `host`. */
  publish(host: string, part: EnvelopePart): void;
  /** Who is told of what never came, or may not have. */
  receiver(): BrokerReceiver | undefined;
}

/** The byes hosts say as they leave, and the hosts that leave without one. */
export class Leaving {
  readonly #options: LeavingOptions;
  /** Hosts that said bye and have not left the membership yet: nothing more goes to them. */
  readonly #departed = new Set<string>();

  constructor(options: LeavingOptions) {
    this.#options = options;
  }

  /** Whether `host` said bye, and has not left the membership yet. */
  saidBye(host: string): boolean {
    return this.#departed.has(host);
  }

  /**
   * Tells every other host how much of what it sent this host had; and the
   * hosts not known here yet whose envelopes were dropped (`neverHad`),
   * that they had none of it, lest they take this host for dead.
   */
  sayBye(neverHad: ReadonlySet<string>): void {
    const { self, incoming } = this.#options;
    const hosts = new Set([...this.#options.hosts(), ...neverHad]);
    for (const host of hosts) {
      if (host === self) continue;
      // Nothing of it came: no body (and no epoch to speak of).
      const had = incoming.had(host);
      this.#options.publish(host, {
        kind: BYE,
        from: NO_ADDRESS,
        to: NO_ADDRESS,
        round: had?.round ?? 0,
        seq: had?.epoch ?? 0,
        body: had ? highestBody(had.highest) : EMPTY,
      });
    }
  }

  /**
   * A host leaves, and says how much of what this host sent it came: the
   * rest never will, and is refused to its senders; nothing more goes to it.
   * `epoch` is this host's current one.
   */
  onBye(envelope: Envelope, epoch: number): void {
    const { host, round, seq, body } = envelope;
    this.#departed.add(host);
    // Had, in this host's epoch, or in the previous one, whose count it
    // missed: then nothing of this one came.
    const before = seq === epoch ? undefined : seq;
    const neverCame = this.#options.windows.close(host, readHighest(body), before, round);
    // Told to their senders, by sender and target.
    const reason = `host "${host}" stopped before it came`;
    for (const [from, byTarget] of neverCame) {
      for (const [to, count] of byTarget) {
        this.#options.receiver()?.bounced(from, to, reason, { count, last: true });
      }
    }
  }

  /**
   * A host left: what was sent to it is forgotten, so that if it comes
   * back the count starts afresh (which it sees, as the numbers start
   * again). What came from it is kept, marked: if the same process comes
   * back (it was paused past its keys' lifetime, say), its count goes on
   * without a false gap. `epoch` is this host's current one.
   */
  left(host: string, epoch: number): void {
    this.#departed.delete(host);
    const inDoubt = this.#options.windows.forget(host, epoch);
    // No bye: it died, or was cut off. What it had, it may have acted on:
    // each sender is told what of its own is in doubt, by target.
    this.tellInDoubt(host, inDoubt);
    this.#options.incoming.forget(host);
  }

  /**
   * What this host sent before its last reconnect and was never confirmed
   * (the host it went to missed the count, or this host is cut off now) is
   * told to its senders, in doubt, as that count will be told no more: this
   * host `did` something (it stops; its connection dropped again). Nobody
   * else would tell them: the others count only what comes.
   */
  tellUnsettled(did: string): void {
    const self = JSON.stringify(this.#options.self);
    for (const { host, inDoubt } of this.#options.windows.takeUnsettled()) {
      const why = `host ${self} ${did} before host ${JSON.stringify(host)} confirmed receipt`;
      this.tellInDoubt(host, inDoubt, why);
    }
  }

  /** Tells each sender what of its own `host` never confirmed, by target (see `why` there). */
  tellInDoubt(host: string, inDoubt: CountsByWay, why?: string): void {
    for (const [from, byTarget] of inDoubt) {
      for (const [to, count] of byTarget) {
        this.#options.receiver()?.unconfirmed(host, from, to, count, why);
      }
    }
  }
}
