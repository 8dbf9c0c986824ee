/**
 * What a link's close leaves behind, in one process's end of the Unix
 * transport: a stranger's close (a frame over the handshake limit) refused
 * like a bad hello, a named peer's bad frame reported, what a link never
 * welcomed carried given back (or said lost, when nobody will send it
 * again), and the peer gone, or still there on its spare link. Apart from
 * the endpoint, which opens, reads and sends on the links.
 *
 * @module
 */

import { type Address, describe, MANAGER } from "../address.ts";
import { FrameError, UnreachableError } from "../errors.ts";
import type { LastSent } from "../transport.ts";
import type { Gate } from "./gate.ts";
import type { Link } from "./link.ts";
import type { LinkTable } from "./link_table.ts";

/** What {@linkcode LinkCloses} needs of the endpoint it accounts for. */
export interface LinkClosesOptions {
  /** This process's address. */
  self: Address;
  /** The endpoint's links. */
  links: LinkTable;
  /** The endpoint's gate, which refuses strangers. */
  gate: Pick<Gate, "refuse">;
  /** The endpoint's state now. */
  state(): "open" | "closing" | "closed";
  /** In a manager: a child's connection closed, and why, if it broke (see `UnixEndpoint.left`). */
  left(child: Address, reason: Error | undefined): void;
  /** Tells the receiver `peer` is gone, with what is known of the last payloads sent it. */
  gone(peer: Address, reason: Error | undefined, last?: LastSent): void;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
}

/** Accounts for each link's close. */
export class LinkCloses {
  readonly #self: Address;
  readonly #options: LinkClosesOptions;
  readonly #links: LinkTable;
  readonly #gate: Pick<Gate, "refuse">;

  constructor(options: LinkClosesOptions) {
    this.#self = options.self;
    this.#options = options;
    this.#links = options.links;
    this.#gate = options.gate;
  }

  get #state(): "open" | "closing" | "closed" {
    return this.#options.state();
  }

  /** `link` closed, with the error that closed it, if one did. */
  onClosed(link: Link, reason: Error | undefined): void {
    this.#links.forgetStranger(link);
    const address = link.address;
    if (address === undefined) {
      // A frame over the handshake limit, say: refused like a bad hello.
      if (reason instanceof FrameError && !link.dropped) this.#gate.refuse(link, reason.message);
      return;
    }
    if (reason instanceof FrameError && !link.dropped) {
      this.#options.report(
        new FrameError(`Bad frame from ${link.name}: ${reason.message}`, {
          cause: reason,
          peer: address,
        }),
      );
    }
    const undelivered = link.welcome !== undefined;
    // Else what a write that failed never wrote whole: the far end was gone.
    // Not to the manager: without it, this process ends (and what it relays
    // to other hosts is accounted for by the relay).
    const unsent = undelivered
      ? this.#notWelcomed(link, address, reason)
      : address === MANAGER
      ? []
      : link.connection.takeUnsent();
    const removed = this.#links.remove(link);
    // Another link to that address is open: its process (or its next one,
    // whose link came before this close was read) is there, and what it
    // asked of this process is still answered.
    if (removed === "spare" || removed === undefined || this.#state !== "open") {
      this.#unsentLost(address, unsent, reason, undelivered ? "connect to" : "write to");
    }
    if (removed === "spare") return this.#options.gone(address, reason, { there: true });
    if (removed === undefined) return;
    if (this.#state === "open") this.#options.left(address, reason);
    const spare = this.#links.promoteSpare(address);
    // Sent only after the welcome: a link never welcomed delivered nothing,
    // and gives it back, to be sent again where its next process is (on
    // the spare, its next process's link, if that came first). One that was
    // open gives back what it never wrote; what it wrote may have been read.
    const never: LastSent = undelivered
      ? { undelivered: Infinity, unsent }
      : unsent.length > 0
      ? { unsent }
      : {};
    this.#options.gone(address, reason, spare ? { there: true, ...never } : never);
  }

  /**
   * A link this process dialed closed before the far end welcomed it:
   * what it carried waited for the welcome, and none of it was written.
   *
   * @returns Those payloads, in order; none when nothing was lost (the
   * manager's link, whose failure fails `open()`, or closed by us with
   * nothing waiting to be written).
   */
  #notWelcomed(link: Link, address: Address, reason: Error | undefined): Uint8Array[] {
    link.welcome!.reject(
      new UnreachableError(
        `${describe(address)} closed the connection before welcoming ${describe(this.#self)}`,
        { cause: reason, peer: address },
      ),
    );
    link.welcome = undefined;
    const unsent = link.connection.takeUnsent();
    if (address === MANAGER || (this.#state !== "open" && reason === undefined)) return [];
    return unsent;
  }

  /** Payloads of a link never welcomed, or never written, that nobody will send again: reported lost. */
  #unsentLost(
    address: Address,
    unsent: readonly Uint8Array[],
    cause: Error | undefined,
    failed: "connect to" | "write to",
  ): void {
    if (unsent.length === 0) return;
    const what = unsent.length === 1
      ? "the message sent to it was"
      : `the ${unsent.length} messages sent to it were`;
    this.#options.report(
      new UnreachableError(
        `${describe(this.#self)} could not ${failed} ${describe(address)}: ${what} not delivered`,
        { cause, peer: address },
      ),
    );
  }
}
