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

import { type Address, describe } from "./address.ts";
import type { WireMessage } from "./codec.ts";
import { FrameError } from "./errors.ts";
import { HANDSHAKE_TIMEOUT, readHello, tokensMatch, WELCOME } from "./handshake.ts";
import type { Link } from "./link.ts";
import type { Router } from "./router.ts";
import type { Acceptor, Connection } from "./transport.ts";

/** Connections allowed in their handshake at once; more are closed at once. */
export const MAX_HANDSHAKES = 64;
/** At most this many refusals are reported per window… */
const REPORTS_PER_WINDOW = 10;
/** …of this many ms; the rest are counted and reported together. */
const REPORT_WINDOW = 10_000;

/** Why the listening process will not admit `from`, or undefined if it will. */
export type Refusal = (from: Address) => string | undefined;

/** Admits connections to one listening process. */
export class Gate {
  readonly #router: Router;
  readonly #token: string;
  readonly #refusal: Refusal;
  /** Connections in their handshake, with their timer once timing started. */
  readonly #waiting = new Map<Link, ReturnType<typeof setTimeout> | undefined>();
  #timing = false;
  #windowStart = -Infinity;
  #reportedInWindow = 0;
  #unreported = 0;

  constructor(router: Router, token: string, refusal: Refusal) {
    this.#router = router;
    this.#token = token;
    this.#refusal = refusal;
  }

  /** Accepts connections until the acceptor closes. */
  async serve(acceptor: Acceptor): Promise<void> {
    for await (const connection of acceptor) this.#greet(connection);
  }

  /** Handles the first frame of a connection not yet admitted. */
  admit(link: Link, message: WireMessage): void {
    this.#clearTimer(link);
    const hello = readHello(message);
    if (!hello) return this.refuse(link, `it opened with "${message.action}", not a valid hello`);
    if (!tokensMatch(hello.token, this.#token)) return this.refuse(link, "its token is wrong");
    const problem = this.#refusal(hello.from);
    if (problem) return this.refuse(link, problem);
    this.#router.bind(link, hello.from);
    this.#router.sendControl(link, WELCOME, {});
  }

  /**
   * Starts timing handshakes out, those under way included. A child calls
   * this once it has joined: the first timer a Deno process makes costs it
   * milliseconds, which start-up should not pay.
   */
  startTiming(): void {
    if (this.#timing) return;
    this.#timing = true;
    for (const link of this.#waiting.keys()) this.#waiting.set(link, this.#timer(link));
  }

  /** Stops the handshake timers of connections still unadmitted. */
  close(): void {
    for (const timer of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
  }

  #greet(connection: Connection): void {
    if (this.#waiting.size >= MAX_HANDSHAKES) {
      connection.close();
      this.#report(`${MAX_HANDSHAKES} connections are in their handshake already`);
      return;
    }
    const link = this.#router.attach(connection);
    this.#waiting.set(link, this.#timing ? this.#timer(link) : undefined);
    connection.closed.then(() => this.#clearTimer(link));
  }

  #timer(link: Link): ReturnType<typeof setTimeout> {
    return setTimeout(
      () => this.refuse(link, `no hello within ${HANDSHAKE_TIMEOUT} ms`),
      HANDSHAKE_TIMEOUT,
    );
  }

  /** Closes a connection that has not been admitted, and reports why. */
  refuse(link: Link, why: string): void {
    this.#clearTimer(link);
    this.#router.drop(link);
    this.#report(why);
  }

  /** Reports a refusal; past the rate limit, counts it for a later report. */
  #report(why: string): void {
    const now = performance.now();
    if (now - this.#windowStart > REPORT_WINDOW) {
      this.#windowStart = now;
      this.#reportedInWindow = 0;
    }
    if (this.#reportedInWindow >= REPORTS_PER_WINDOW) {
      this.#unreported++;
      return;
    }
    this.#reportedInWindow++;
    const more = this.#unreported > 0
      ? ` (and ${this.#unreported} refusals before it, not reported one by one)`
      : "";
    this.#unreported = 0;
    this.#router.listeners.report(
      new FrameError(`Refused a connection to ${describe(this.#router.self)}: ${why}${more}`),
    );
  }

  #clearTimer(link: Link): void {
    clearTimeout(this.#waiting.get(link));
    this.#waiting.delete(link);
  }
}
