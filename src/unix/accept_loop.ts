/**
 * Accepting on a listener until it is closed, through the failures that
 * pass (e.g. out of file descriptors): the loop under the cluster's
 * sockets (`acceptor.ts`) and the manager's control socket
 * (`control_socket.ts`), which each listen in their own way and do their
 * own thing with a connection.
 *
 * @module
 */

import { asError } from "../as_error.ts";
import { type Clock, SYSTEM_CLOCK } from "../clock.ts";

/** The first pause after a failed accept, in ms; doubled after each failure in a row. */
export const ACCEPT_RETRY = 10;
/** The longest pause after a failed accept, in ms. */
export const MAX_ACCEPT_RETRY = 1_000;

/** What the loop needs of a listener: `Deno.Listener` is one. */
export interface Accepting {
  /** The next connection; rejects once closed. */
  accept(): Promise<Deno.Conn>;
  /** Stops listening. */
  close(): void;
}

/**
 * The connections accepted on a listener, until {@linkcode AcceptLoop.close}
 * or the listener's own close ends them. A failure to accept goes to
 * `report`, and accepting goes on after a pause of {@linkcode ACCEPT_RETRY}
 * ms, doubled after each failure in a row up to {@linkcode MAX_ACCEPT_RETRY},
 * and back to the first after a success.
 */
export class AcceptLoop implements AsyncIterable<Deno.Conn> {
  readonly #listener: Accepting;
  readonly #report: (error: Error) => void;
  readonly #clock: Clock;
  #closed = false;
  /** During a pause: ends it at once. */
  #wake: (() => void) | undefined;

  /**
   * @param listener Accepted on, and closed by {@linkcode AcceptLoop.close}.
   * @param report Told of each failure to accept but the listener's closing.
   * @param clock Times the pauses (a test's own).
   */
  constructor(listener: Accepting, report: (error: Error) => void, clock: Clock = SYSTEM_CLOCK) {
    this.#listener = listener;
    this.#report = report;
    this.#clock = clock;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Deno.Conn> {
    let retry = ACCEPT_RETRY;
    while (!this.#closed) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) return;
        // E.g. out of file descriptors: the listener is fine, try again soon.
        this.#report(asError(error));
        await this.#pause(retry);
        retry = Math.min(retry * 2, MAX_ACCEPT_RETRY);
        continue;
      }
      retry = ACCEPT_RETRY;
      yield conn;
    }
  }

  /** Stops accepting: closes the listener, and ends a pause at once. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    try {
      this.#listener.close();
    } catch {
      // Closed already.
    }
  }

  /** Resolves after `ms`, or at once on a close, leaving no timer either way. */
  #pause(ms: number): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    const timer = this.#clock.setTimeout(resolve, ms);
    this.#wake = () => {
      this.#clock.clearTimeout(timer);
      resolve();
    };
    return promise.finally(() => this.#wake = undefined);
  }
}
