/**
 * Envelopes from hosts that are not members of the cluster, still unknown
 * after waiting for their join to be seen (`early_envelopes.ts`): dropped,
 * with nothing kept for their hosts. Taken in, each name cost a count of
 * its messages, and its confirmation a batch, for as long as the link
 * lived (only a member leaving frees those): a member publishing under
 * made-up host names, by a bug or on purpose, grew another host's heap
 * without bound (223 MB, kept, for 300,000 names in an outside review),
 * with a report each. Reported here as a count: the first at once, then
 * what came since, at most once per {@linkcode REPORT_EVERY}, and the rest
 * as the link closes.
 *
 * @module
 */

import { type Clock, SYSTEM_CLOCK } from "../clock.ts";
import { counted } from "../counted.ts";
import { FrameError } from "../errors.ts";

/** The least time between two reports of envelopes dropped, in ms. */
export const REPORT_EVERY = 10_000;

/** Drops and counts what hosts that are not members send. */
export class Strangers {
  readonly #report: (error: Error) => void;
  readonly #clock: Clock;
  /** Dropped since the last report, and the host of the last. */
  #dropped = 0;
  #last = "";
  /** Until it fires, drops are counted, not reported. */
  #quiet: unknown;
  #stopped = false;

  constructor(report: (error: Error) => void, clock: Clock = SYSTEM_CLOCK) {
    this.#report = report;
    this.#clock = clock;
  }

  /** An envelope from `host`, not a member, was dropped. */
  dropped(host: string): void {
    if (this.#stopped) return;
    this.#dropped++;
    this.#last = host;
    if (this.#quiet === undefined) this.#tell();
  }

  /** Says what was dropped and not told yet: the link closes. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#clock.clearTimeout(this.#quiet);
    this.#quiet = undefined;
    if (this.#dropped > 0) this.#tell(false);
  }

  /** Reports what was dropped since the last report, then keeps quiet a while (`again`). */
  #tell(again = true): void {
    const count = this.#dropped;
    this.#dropped = 0;
    this.#report(
      new FrameError(
        `${counted(count, "envelope")} from hosts that are not members of the cluster ${
          count === 1 ? "was" : "were"
        } dropped (the last from host ${JSON.stringify(this.#last)})`,
      ),
    );
    if (!again) return;
    this.#quiet = this.#clock.setTimeout(() => {
      this.#quiet = undefined;
      if (this.#dropped > 0) this.#tell();
    }, REPORT_EVERY);
  }
}
