/**
 * `LinkTable`: which link an endpoint sends on to each peer. Two children
 * that dial each other at once keep both links: each reads both and sends
 * on the one it dialed (the other is a spare, which takes over if the
 * first closes), so what one process sends another stays in order. Links
 * accepted and still in their handshake are kept here too, until admitted.
 *
 * @module
 */

import type { Address } from "../address.ts";
import type { Link } from "./link.ts";

/** The links of one endpoint, by peer: the one to send on, spares, and strangers. */
export class LinkTable {
  /** The link to send on, by peer. */
  readonly #links = new Map<Address, Link>();
  /** Further links to a peer that has one, when both dialed at once. */
  readonly #spares = new Set<Link>();
  /** Accepted links still in their handshake. */
  readonly #strangers = new Set<Link>();

  /** The link to send on to `peer`, if there is one. */
  get(peer: Address): Link | undefined {
    return this.#links.get(peer);
  }

  /** Whether there is a link to send on to `peer`. */
  has(peer: Address): boolean {
    return this.#links.has(peer);
  }

  /** The peers there is a link to send on to. */
  peers(): Address[] {
    return [...this.#links.keys()];
  }

  /** Every admitted link: the ones sent on, then the spares. */
  named(): Link[] {
    return [...this.#links.values(), ...this.#spares];
  }

  /** Every link: the ones sent on, the spares, and those still in their handshake. */
  all(): Link[] {
    return [...this.#links.values(), ...this.#spares, ...this.#strangers];
  }

  /** The links to `peer`, the one sent on first. */
  to(peer: Address): Link[] {
    const first = this.#links.get(peer);
    const spares = [...this.#spares].filter((link) => link.address === peer);
    return first ? [first, ...spares] : spares;
  }

  /** Keeps a link this process dialed, to send on to `peer`. */
  dialed(peer: Address, link: Link): void {
    this.#links.set(peer, link);
  }

  /** Keeps a link just accepted, until its handshake names who is there. */
  greeted(link: Link): void {
    this.#strangers.add(link);
  }

  /**
   * Keeps a link whose handshake named `link.address`: to send on, or a
   * spare when there is a link to send on to that peer already.
   */
  admit(link: Link): void {
    this.#strangers.delete(link);
    const from = link.address!;
    if (this.#links.has(from)) this.#spares.add(link);
    else this.#links.set(from, link);
  }

  /** Forgets a closed link that was still in its handshake, if it was. */
  forgetStranger(link: Link): void {
    this.#strangers.delete(link);
  }

  /**
   * Forgets a closed admitted link.
   *
   * @returns `"spare"` when it was a spare, `"sent on"` when it was the link
   * sent on to its peer, undefined when it was neither (replaced already).
   */
  remove(link: Link): "spare" | "sent on" | undefined {
    if (this.#spares.delete(link)) return "spare";
    const address = link.address!;
    if (this.#links.get(address) !== link) return undefined;
    this.#links.delete(address);
    return "sent on";
  }

  /**
   * Makes a spare to `peer`, if there is one, the link sent on.
   *
   * @returns The spare that takes over, if any.
   */
  promoteSpare(peer: Address): Link | undefined {
    const spare = [...this.#spares].find((other) => other.address === peer);
    if (spare) {
      this.#spares.delete(spare);
      this.#links.set(peer, spare);
    }
    return spare;
  }
}
