/**
 * The gate: admits the connections a listener accepts. A connection must
 * open with a `$hello` carrying the cluster's token and an address the
 * listening process accepts, within the handshake timeout; otherwise it is
 * closed, and the reason reported. Connections still in their handshake
 * are few and small, so whoever can reach a socket without the token can
 * make a process do little work and hold little memory.
 *
 * @module
 */

import { type Address, describe } from "../address.ts";
import { FrameError } from "../errors.ts";
import { actionOf, HANDSHAKE_TIMEOUT, readHello, tokensMatch } from "./handshake.ts";
import type { Link } from "./link.ts";

/**
 * Connections allowed in their handshake at once; one more closes the one
 * that has waited longest.
 */
export const MAX_HANDSHAKES = 64;
/** At most this many refusals are reported per window… */
const REPORTS_PER_WINDOW = 10;
/** …of this many ms; the rest are counted and reported together. */
const REPORT_WINDOW = 10_000;

/** Why the listening process will not admit `from`, or undefined if it will. */
export type Refusal = (from: Address) => string | undefined;

/** What a gate is told by the process it guards. */
export interface GateOptions {
  /** The listening process, to name in reports. */
  self: Address;
  /** The cluster's secret. */
  token: string;
  /** The process's own rules on who may connect. */
  refusal: Refusal;
  /** Told of each refusal (rate-limited). */
  report(error: Error): void;
}

/** Admits connections to one listening process. */
export class Gate {
  readonly #options: GateOptions;
  /** Connections in their handshake, with their timers. */
  readonly #waiting = new Map<Link, ReturnType<typeof setTimeout>>();
  #windowStart = -Infinity;
  #reportedInWindow = 0;
  #unreported = 0;
  /** Reports the refusals counted and not reported, as their window ends. */
  #summary: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: GateOptions) {
    this.#options = options;
  }

  /**
   * Takes a connection just accepted into its handshake; when too many are
   * in theirs already, the one that has waited longest is refused.
   */
  greet(link: Link): void {
    if (this.#waiting.size >= MAX_HANDSHAKES) {
      // The oldest, not the newest: a process of the cluster says hello as
      // it connects, so one that holds connections open and says nothing
      // keeps nobody out. Before, 64 of them refused every process that
      // dialed here for 10 s: a sibling's first message, a restart's join.
      const [oldest] = this.#waiting.keys();
      this.refuse(oldest, `no hello while ${MAX_HANDSHAKES} newer connections came`);
    }
    const timer = setTimeout(
      () => this.refuse(link, `no hello within ${HANDSHAKE_TIMEOUT} ms`),
      HANDSHAKE_TIMEOUT,
    );
    this.#waiting.set(link, timer);
    link.connection.closed.then(() => this.#clearTimer(link));
  }

  /**
   * Reads the first payload of a connection in its handshake.
   *
   * @returns The address it is admitted as; undefined when it was refused
   * (then it is closed, and the refusal reported).
   */
  admit(link: Link, payload: Uint8Array): Address | undefined {
    this.#clearTimer(link);
    const hello = readHello(payload);
    if (!hello) {
      const action = actionOf(payload);
      this.refuse(
        link,
        action === undefined
          ? "its first frame is not a JSON message"
          : `it opened with "${action}", not a valid hello`,
      );
      return undefined;
    }
    if (!tokensMatch(hello.token, this.#options.token)) {
      this.refuse(link, "its token is wrong", hello.from);
      return undefined;
    }
    const problem = this.#options.refusal(hello.from);
    if (problem) {
      this.refuse(link, problem, hello.from);
      return undefined;
    }
    return hello.from;
  }

  /**
   * Closes a connection that has not been admitted, and reports why, with
   * the address it said it was, if it said one (the error's `peer`).
   */
  refuse(link: Link, why: string, claimed?: Address): void {
    this.#clearTimer(link);
    link.dropped = true;
    // At once, not gracefully: a graceful close reads on until the far end
    // hangs up, which one that never does would hold open, its socket
    // counted by no limit, and the endpoint's close() waiting for it.
    link.connection.close(new FrameError(`Refused: ${why}`, { peer: claimed }));
    this.#report(why, claimed);
  }

  /**
   * Stops the handshake timers of connections still unadmitted, and
   * reports the refusals counted and not reported yet.
   */
  close(): void {
    for (const timer of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
    this.#closed = true;
    this.#summarize();
  }

  /**
   * Reports a refusal; past the rate limit, counts it, for one report of
   * the count as the window ends.
   */
  #report(why: string, claimed?: Address): void {
    const now = performance.now();
    if (now - this.#windowStart > REPORT_WINDOW) {
      // A summary whose timer is late goes first.
      this.#summarize();
      this.#windowStart = now;
      this.#reportedInWindow = 0;
    }
    // Once closed, no timer is left behind: the few refusals still to come
    // (connections closing as they were) are each reported.
    if (this.#reportedInWindow >= REPORTS_PER_WINDOW && !this.#closed) {
      // Told once the window ends: before, the count waited for the next
      // refusal after it, and an attack that stopped was never counted.
      this.#unreported++;
      this.#summary ??= setTimeout(
        () => this.#summarize(),
        Math.max(0, this.#windowStart + REPORT_WINDOW - now),
      );
      return;
    }
    this.#reportedInWindow++;
    const said = claimed === undefined ? "" : ` that said it was ${describe(claimed)}`;
    this.#options.report(
      new FrameError(
        `Refused a connection to ${describe(this.#options.self)}${said}: ${why}`,
        claimed === undefined ? undefined : { peer: claimed },
      ),
    );
  }

  /** Reports how many refusals were counted and not reported one by one, if any were. */
  #summarize(): void {
    clearTimeout(this.#summary);
    this.#summary = undefined;
    const count = this.#unreported;
    if (count === 0) return;
    this.#unreported = 0;
    const connections = count === 1 ? "1 more connection" : `${count} more connections`;
    this.#options.report(
      new FrameError(
        `Refused ${connections} to ${describe(this.#options.self)} within ${REPORT_WINDOW} ms, ` +
          `not reported one by one (at most ${REPORTS_PER_WINDOW} are)`,
      ),
    );
  }

  #clearTimer(link: Link): void {
    clearTimeout(this.#waiting.get(link));
    this.#waiting.delete(link);
  }
}
