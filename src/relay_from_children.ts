/**
 * The gateway's relay from its children: what a child sends a process of
 * another host comes to its manager's socket (a `FORWARD` frame) and
 * leaves here, on the broker link. What cannot go (its host left, or
 * cannot be reached, or the window to it is full) is refused to the child,
 * so that it hears of it as it would on one host; an answer the window has
 * no room for waits (`HeldAnswers`), and the rest of a stream one part of
 * which was refused goes no further (`RefusedStreams`). Apart from the
 * gateway, which is the endpoint that puts this relay, the relay to its
 * children and the link together.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { BrokerLink } from "./broker.ts";
import { toBytes, type WireMessage } from "./codec.ts";
import type { HeldAnswers } from "./held_answers.ts";
import type { RefusedStreams } from "./refused_streams.ts";
import type { RemoteOutcomes } from "./remote_outcomes.ts";
import { isRequest, notDelivered, readMessage } from "./relayed_payloads.ts";
import { FULL, type Receiver, UNREACHABLE } from "./transport.ts";
import type { UnixEndpoint } from "./unix/endpoint.ts";
import { relayHeadSize } from "./unix/relay.ts";
import type { UntakenRelays } from "./untaken_relays.ts";

/** What {@linkcode RelayFromChildren} needs of the gateway it relays for. */
export interface RelayFromChildrenOptions {
  /** This host's endpoint: the children's sockets, where refusals go back. */
  local: Pick<UnixEndpoint, "deliverFrom" | "maxPayload" | "tellReachable">;
  /** The way to the other hosts. */
  link: Pick<BrokerLink, "send">;
  /** This manager's address as other hosts know it. */
  global: string;
  /** Children's answers to other hosts that wait for room in the window. */
  heldAnswers: HeldAnswers;
  /** What other hosts say became of what this host's processes sent them. */
  outcomes: RemoteOutcomes;
  /** Streams children answer to other hosts, one part of which the link refused. */
  refusedStreams: RefusedStreams;
  /** Whether the other hosts can be reached now, as the link says. */
  reachable(): boolean;
  /** What was relayed to `child`'s process and not said taken yet (see `RelayToChildren`). */
  untakenBy(child: Address): UntakenRelays;
  /** The other host `to` is on; undefined when it is on this one (or nowhere). */
  remoteHost(to: Address): string | undefined;
  /** Who is handed what a child sends this manager under its cluster-wide address. */
  receiver(): Receiver | undefined;
}

/** Relays what this host's children send other hosts, and refuses to them what cannot go. */
export class RelayFromChildren {
  readonly #options: RelayFromChildrenOptions;
  readonly #local: RelayFromChildrenOptions["local"];
  readonly #link: RelayFromChildrenOptions["link"];
  readonly #global: string;
  readonly #heldAnswers: HeldAnswers;
  readonly #outcomes: RemoteOutcomes;
  readonly #refusedStreams: RefusedStreams;

  constructor(options: RelayFromChildrenOptions) {
    this.#options = options;
    this.#local = options.local;
    this.#link = options.link;
    this.#global = options.global;
    this.#heldAnswers = options.heldAnswers;
    this.#outcomes = options.outcomes;
    this.#refusedStreams = options.refusedStreams;
  }

  get #receiver(): Receiver | undefined {
    return this.#options.receiver();
  }

  #remoteHost(to: Address): string | undefined {
    return this.#options.remoteHost(to);
  }

  /**
   * A child's message for another host. One that cannot go (its host left,
   * or cannot be reached, or the window to it is full) is refused to the
   * child: a request is answered as from its target, failed as never
   * delivered; anything else may have broken what the child has open with
   * the target (a stream it was a part of, or steered), which fails.
   */
  relay(from: Address, to: Address, payload: Uint8Array): void {
    if (to === this.#global) return this.#receiver?.deliver(from, [payload]);
    this.#outcomes.forwarded(from, to);
    if (this.streamBroken(from, to, payload)) return;
    // Behind its answers that wait for room in the window, in order.
    if (this.#heldAnswers.behind(from, to, payload)) return;
    const host = this.#remoteHost(to);
    const sent = host === undefined ? UNREACHABLE : this.#link.send(from, to, payload);
    if (sent >= 0) return;
    const message = readMessage(from, payload);
    if (sent === FULL && message?.re === true) {
      return this.#heldAnswers.hold(from, to, host!, payload);
    }
    this.refuseRelay(from, to, payload, message);
  }

  /**
   * Whether `payload`, from `from` to `to`, is the rest of a stream one part
   * of which was refused: the child hears of it, and stops; it goes no further.
   */
  streamBroken(from: Address, to: Address, payload: Uint8Array): boolean {
    return this.#refusedStreams.watches(from, to) &&
      this.#refusedStreams.broken(from, to, readMessage(from, payload));
  }

  /**
   * Refuses to a child what it sent another host that cannot go: a request
   * is answered as from its target, failed as never delivered; anything
   * else may have broken what the child has open with the target (a stream
   * it was a part of, or steered), which fails.
   */
  refuseRelay(
    from: Address,
    to: Address,
    payload: Uint8Array,
    message: WireMessage | undefined = readMessage(from, payload),
  ): void {
    const host = this.#remoteHost(to);
    // A child that came while the others could not be reached: from now
    // on it refuses such sends itself.
    if (!this.#options.reachable()) this.#local.tellReachable(from, false);
    const why = host === undefined
      ? "no host of the cluster runs it"
      : `host "${host}" cannot take it now`;
    const answer = message && isRequest(message)
      ? notDelivered(from, message, why, this.#local.maxPayload(from) - relayHeadSize(to))
      : undefined;
    if (answer !== undefined && this.#local.deliverFrom(from, to, toBytes(answer)) >= 0) {
      // Taken with what the child takes; its sender is this manager, whom
      // nobody tells if the child crashes before it says so.
      this.#options.untakenBy(from).add(this.#global);
      return;
    }
    this.#refusedStreams.refused(from, to, message);
    this.#outcomes.relayRefused(from, to, message?.action, why);
  }
}
