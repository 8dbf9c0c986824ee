/**
 * `TailCheck`: a loss at the end of what one host sends another. A gap
 * shows only when a later message comes: the last messages lost (what the
 * server dropped while the receiver was away, or to a slow consumer), with
 * nothing sent after them, left the sender's window holding them
 * unconfirmed for good, their requests waiting out their timeouts, and
 * the lifecycle events among them told nobody. So a host that has held a
 * message to another unconfirmed for a patience (a heartbeat: the pace at
 * which hosts say they are alive) tells it how many it has sent (a SENT,
 * as it answers a host that reconnected): the receiver reports what never
 * came, as a gap, and confirms the rest. A confirmation lost on the way
 * is so made again.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { Outgoing } from "./send_windows.ts";

/** What {@linkcode TailCheck} needs of the link it checks for. */
export interface TailCheckOptions {
  /** Milliseconds a message may wait for its confirmation before its host is asked: 1 to 2 of them. */
  patience: number;
  clock: Clock;
  /** The windows open, by host. */
  windows(): Iterable<[string, Outgoing]>;
  /** Whether `host` can be told now (connected, its keys this host's own…). */
  canTell(host: string): boolean;
  /** Tells `host` how many messages this host has sent it (`out.seq`) in its window `out`. */
  tellSent(host: string, out: Outgoing): void;
}

/** Looks, every patience while anything is unconfirmed, for messages unconfirmed since the last look. */
export class TailCheck {
  readonly #options: TailCheckOptions;
  /** By window: how many had been sent at the last look. */
  readonly #sentAtLook = new WeakMap<Outgoing, number>();
  #timer: unknown;
  #stopped = false;

  constructor(options: TailCheckOptions) {
    this.#options = options;
  }

  /**
   * A message went: looked at within two patiences. One timer for all
   * hosts, armed only while something is unconfirmed: a send costs a
   * check of one field.
   */
  sent(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    const { clock, patience } = this.#options;
    this.#timer = clock.setTimeout(() => this.#look(), patience);
  }

  /** Stops looking: the link closes. */
  stop(): void {
    this.#stopped = true;
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Asks each host that has not confirmed a message sent before the last
   * look: one confirmation on its way is at most an ACK_DELAY and a trip
   * through the server late, and one a patience late was lost, or never
   * made (what it confirms was lost). A host that reads slowly is asked
   * too: the word comes after what it has still to read, and costs it a
   * confirmation.
   */
  #look(): void {
    this.#timer = undefined;
    let unconfirmed = false;
    for (const [host, out] of this.#options.windows()) {
      const oldest = out.inFlight.oldest;
      if (oldest === undefined) continue;
      unconfirmed = true;
      if (oldest < (this.#sentAtLook.get(out) ?? 0) && this.#options.canTell(host)) {
        this.#options.tellSent(host, out);
      }
      this.#sentAtLook.set(out, out.seq);
    }
    if (unconfirmed) this.sent();
  }
}
