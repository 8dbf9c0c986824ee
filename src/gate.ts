/**
 * The gate: admits the connections a listener accepts. A connection must
 * open with a `$hello` carrying the cluster's token and an address the
 * listening process accepts, within the handshake timeout; otherwise it is
 * closed, and the reason reported.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import type { WireMessage } from "./codec.ts";
import { FrameError } from "./errors.ts";
import { HANDSHAKE_TIMEOUT, readHello, tokensMatch, WELCOME } from "./handshake.ts";
import type { Link, Router } from "./router.ts";
import type { Listener } from "./transport.ts";

/** What the listening process decides about a newcomer. */
export interface Admission {
  /** Why `from` may not join, or undefined if it may. */
  refuse(from: Address): string | undefined;
  /** The `$welcome` data for `from`, computed before it is bound. */
  welcome(from: Address): unknown;
}

/** Admits connections to one listening process. */
export class Gate {
  readonly #router: Router;
  readonly #token: string;
  readonly #admission: Admission;
  readonly #timers = new Map<Link, ReturnType<typeof setTimeout>>();

  constructor(router: Router, token: string, admission: Admission) {
    this.#router = router;
    this.#token = token;
    this.#admission = admission;
  }

  /** Accepts connections until the listener closes. */
  async serve(listener: Listener): Promise<void> {
    for await (const connection of listener) {
      const link = this.#router.attach(connection);
      this.#timers.set(
        link,
        setTimeout(
          () => this.#refuse(link, `no hello within ${HANDSHAKE_TIMEOUT} ms`),
          HANDSHAKE_TIMEOUT,
        ),
      );
      connection.closed.then(() => this.#clearTimer(link));
    }
  }

  /** Handles the first frame of a connection not yet admitted. */
  admit(link: Link, message: WireMessage): void {
    this.#clearTimer(link);
    const hello = readHello(message);
    if (!hello) return this.#refuse(link, `it opened with "${message.action}", not a valid hello`);
    if (!tokensMatch(hello.token, this.#token)) return this.#refuse(link, "its token is wrong");
    const problem = this.#admission.refuse(hello.from);
    if (problem) return this.#refuse(link, problem);
    const welcome = this.#admission.welcome(hello.from);
    this.#router.bind(link, hello.from);
    this.#router.sendControl(link, WELCOME, welcome);
  }

  /** Stops the handshake timers of connections still unadmitted. */
  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #refuse(link: Link, why: string): void {
    this.#clearTimer(link);
    this.#router.drop(
      link,
      new FrameError(`Refused a connection to ${describe(this.#router.self)}: ${why}`),
    );
  }

  #clearTimer(link: Link): void {
    clearTimeout(this.#timers.get(link));
    this.#timers.delete(link);
  }
}
