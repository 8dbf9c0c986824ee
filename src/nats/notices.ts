/**
 * What this host tells the other hosts of its own side, unasked: that it
 * refused what one of their processes sent (a bounce), and that one of its
 * processes ended. Both wait while this host cannot speak for the process:
 * its connection is down, or its keys may have lapsed and another process
 * may hold its name (`HeldBounces` holds the bounces; of an end, only the
 * last of each process is kept). Apart from the link, as what waits while
 * the host cannot speak is one idea, and the link is another.
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

/**
 * Why a bounce waits, or went untold: said with the count of the messages
 * whose senders will not hear (their bounces past what may wait, or still
 * held when they can never go).
 */
const WHY = {
  down: "the connection to the NATS server was down",
  lapsed: "this host's keys in the membership bucket may have expired, " +
    "and another process may hold its name",
  taken: "this host's keys in the membership bucket expired, and another process took its name",
} as const;

/** See {@linkcode WHY}. */
export type Untold = keyof typeof WHY;

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
  /** Bounces that could not go yet: the connection was down, or this host's keys may have lapsed. */
  readonly #heldBounces = new HeldBounces<Untold>();
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

  /** Why this host cannot speak for its processes now, if it cannot. */
  #mute(): Untold | undefined {
    if (!this.#up) return "down";
    if (this.#options.mayHaveLapsed()) return "lapsed";
  }

  /**
   * See `BrokerLink.bounce`: held while this host cannot speak for `to`.
   * Not while its keys may have lapsed: another process may hold `to` now,
   * and a bounce of a request (one whose refusal could not go as its
   * answer) would fail what the sender has open with that one.
   */
  bounce(from: Address, to: Address, reason: string, details: BounceDetails = {}): void {
    const host = this.#options.hostOf(from);
    if (host === undefined) return;
    const body = bounceBody(reason, details);
    const mute = this.#mute();
    if (mute === undefined) this.#publish(host, { kind: BOUNCE, from, to, seq: 0, body });
    else this.#heldBounces.hold({ host, from, to, body, count: details.count ?? 1 }, mute);
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
        part: {
          kind: ENDED,
          from: address,
          to: NO_ADDRESS,
          round: had?.round ?? 0,
          seq: had?.epoch ?? 0,
          body,
        },
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
   * Publishes the bounces held, to the hosts still here, once this host
   * can speak (connected, and its keys surely its own); what could not wait
   * (too many held) is said here, as its senders will not hear it.
   */
  sendHeldBounces(): void {
    if (this.#mute() !== undefined) return;
    const { bounces, untold } = this.#heldBounces.take();
    for (const { host, from, to, body } of bounces) {
      if (this.#options.knows(host)) this.#publish(host, { kind: BOUNCE, from, to, seq: 0, body });
    }
    this.#sayUntold(untold);
  }

  /**
   * Drops the bounces held, said here as their senders will not hear them:
   * `why` they never can go (another process took this host's name, say).
   */
  dropHeldBounces(why: Untold): void {
    const { bounces, untold } = this.#heldBounces.take();
    for (const { count } of bounces) untold.set(why, (untold.get(why) ?? 0) + count);
    this.#sayUntold(untold);
  }

  /**
   * This host closes: the bounces held go, if it can speak; if it cannot
   * (it is cut off, or its keys may have lapsed), they never will.
   */
  sendOrDropHeldBounces(): void {
    const mute = this.#mute();
    if (mute === undefined) this.sendHeldBounces();
    else this.dropHeldBounces(mute);
  }

  /** Says here, by why, how many messages' senders will not hear they were not delivered. */
  #sayUntold(untold: Map<Untold, number>): void {
    for (const [why, count] of untold) {
      this.#options.report(
        new UnreachableError(
          `${counted(count, "message")} from other hosts ${
            count === 1 ? "was" : "were"
          } not delivered here, and their senders were not told: ${WHY[why]}`,
        ),
      );
    }
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
