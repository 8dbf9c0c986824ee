/**
 * What this host tells the other hosts of its own side, unasked: that it
 * refused what one of their processes sent (a bounce), and that one of its
 * processes ended. Both may have to wait: a bounce while the connection to
 * the server is down (`HeldBounces`), an end while this host cannot speak
 * for the process (its connection is down, or its keys may have lapsed and
 * another process may hold its name). Apart from the link, as what waits
 * while the host cannot speak is one idea, and the link is another.
 *
 * @module
 */

import type { Address } from "../address.ts";
import type { BounceDetails } from "../broker.ts";
import { counted } from "../counted.ts";
import { UnreachableError } from "../errors.ts";
import { BOUNCE, ENDED, type EnvelopePart } from "./envelope.ts";
import { bounceBody, endedBody } from "./bodies.ts";
import { HeldBounces } from "./held_bounces.ts";
import type { IncomingOrder } from "./incoming_order.ts";

const NO_ADDRESS = null;

/** What {@linkcode Notices} needs of the link it speaks for. */
export interface NoticesOptions {
  /** This host's name. */
  self: string;
  /** The names of every live host, this one included. */
  hosts(): string[];
  /** The host an address is on, if it is known. */
  hostOf(address: Address): string | undefined;
  /** Whether the membership knows `host`. */
  knows(host: string): boolean;
  /** Whether the connection to the server is up. */
  up(): boolean;
  /** Whether the link is closing. */
  closing(): boolean;
  /** Whether this host's keys may have expired, and another process hold its name now. */
  mayHaveLapsed(): boolean;
  /** What came from each host: what it had of each, when a process ends. */
  incoming: IncomingOrder;
  /** Publishes an envelope to `host`. */
  publish(host: string, part: EnvelopePart): void;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
}

/** The bounces and ends this host tells the others, and those that wait until it can. */
export class Notices {
  readonly #options: NoticesOptions;
  /** Bounces that could not go while the connection was down. */
  readonly #heldBounces = new HeldBounces();
  /**
   * What this host would have told each other host of its processes that
   * ended while it could not (the last of each process, for each host):
   * its connection was down, or its keys may have lapsed (see `ended`).
   */
  readonly #endedUntold = new Map<string, { host: string; part: EnvelopePart }>();

  constructor(options: NoticesOptions) {
    this.#options = options;
  }

  get #up(): boolean {
    return this.#options.up();
  }

  #publish(host: string, part: EnvelopePart): void {
    this.#options.publish(host, part);
  }

  /** See `BrokerLink.bounce`: held while the connection is down. */
  bounce(from: Address, to: Address, reason: string, details: BounceDetails = {}): void {
    const host = this.#options.hostOf(from);
    if (host === undefined) return;
    const body = bounceBody(reason, details);
    if (this.#up) this.#publish(host, { kind: BOUNCE, from, to, seq: 0, body });
    else this.#heldBounces.hold({ host, from, to, body, count: details.count ?? 1 });
  }

  /** See `BrokerLink.ended`: held while this host cannot speak for `address`. */
  ended(address: Address, reason?: string, after?: Promise<void>): void {
    // Once it says bye, its leaving tells the others more.
    if (this.#options.closing()) return;
    const parts: { host: string; part: EnvelopePart }[] = [];
    for (const host of this.#options.hosts()) {
      if (host === this.#options.self) continue;
      // What of `host`'s this host had by now: the rest comes after, and is answered on its own.
      const had = this.#options.incoming.had(host);
      const body = endedBody(reason, had?.highest);
      parts.push({
        host,
        part: { kind: ENDED, from: address, to: NO_ADDRESS, seq: had?.epoch ?? 0, body },
      });
    }
    const tell = () => {
      if (this.#options.closing()) return;
      for (const { host, part } of parts) {
        // Not while this host's keys may have lapsed: another process may
        // hold `address` now, and the others would fail what they asked of it.
        if (this.#up && !this.#options.mayHaveLapsed()) this.#publish(host, part);
        // Only the last of a process counts: it says more of what came.
        else this.#endedUntold.set(`${host}\n${JSON.stringify(address)}`, { host, part });
      }
    };
    if (after === undefined) tell();
    else after.then(tell, tell);
  }

  /**
   * Publishes the bounces held while the connection was down, to the hosts
   * still here; what cannot go (too many held, or still down as this host
   * closes) is said here, as its senders will not hear it.
   */
  sendHeldBounces(): void {
    const { bounces, untold } = this.#heldBounces.take();
    let notSent = untold;
    for (const { host, from, to, body, count } of bounces) {
      if (!this.#up) notSent += count;
      else if (this.#options.knows(host)) {
        this.#publish(host, { kind: BOUNCE, from, to, seq: 0, body });
      }
    }
    if (notSent === 0) return;
    this.#options.report(
      new UnreachableError(
        `${counted(notSent, "message")} from other hosts ${
          notSent === 1 ? "was" : "were"
        } not delivered here, and their senders were not told: the connection to the NATS server was down`,
      ),
    );
  }

  /**
   * Tells the hosts still here of this host's processes that ended while it
   * could not, once it can: connected, and its keys surely its own.
   */
  sendEndedUntold(): void {
    if (!this.#up || this.#options.mayHaveLapsed()) return;
    for (const { host, part } of this.#endedUntold.values()) {
      if (this.#options.knows(host)) this.#publish(host, part);
    }
    this.#endedUntold.clear();
  }

  /** Drops the ends held back: another process holds this host's name or ids now. */
  dropEndedUntold(): void {
    this.#endedUntold.clear();
  }
}
