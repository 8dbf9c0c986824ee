/**
 * The gateway's relay to its children: what other hosts send this host's
 * processes reaches them here, through their manager's socket. A child
 * not joined yet has it held (`HeldUntilJoined`); one that reads too
 * slowly, or is not connected, has it refused to its sender (a request
 * answered as never delivered, as from the child); what was relayed and
 * never said taken is refused, by count, when the child's connection
 * closes otherwise than gracefully, and the other hosts hear it ended.
 * Apart from the gateway, which is the endpoint that puts this relay, the
 * relay from its children and the link together.
 *
 * @module
 */

import { type Address, describe, MANAGER } from "./address.ts";
import type { BrokerLink } from "./broker.ts";
import { CANCEL, MORE } from "./control.ts";
import type { WireMessage } from "./codec.ts";
import { QueueFullError } from "./errors.ts";
import { type Held, HeldUntilJoined } from "./held_until_joined.ts";
import type { HeldAnswers } from "./held_answers.ts";
import type { RefusedStreams } from "./refused_streams.ts";
import type { RemoteOutcomes } from "./remote_outcomes.ts";
import { forLink, isNewMessage, isRequest, notDelivered, readMessage } from "./relayed_payloads.ts";
import { FULL, type Payload, type Receiver, TOO_LARGE } from "./transport.ts";
import type { UnixEndpoint } from "./unix/endpoint.ts";
import { HEADER_SIZE } from "./unix/frame.ts";
import { relayHeadSize } from "./unix/relay.ts";
import { UntakenRelays } from "./untaken_relays.ts";

/** What {@linkcode RelayToChildren} needs of the gateway it relays for. */
export interface RelayToChildrenOptions {
  /** This host's endpoint: the children's sockets. */
  local: Pick<UnixEndpoint, "deliverFrom" | "queued" | "maxPayload">;
  /** The way to the other hosts: refusals and answers go back on it. */
  link: Pick<BrokerLink, "send" | "bounce" | "ended" | "maxPayload">;
  /** This manager's address as other hosts know it. */
  global: string;
  /** The children of this host, whose messages wait until they join. */
  children: Iterable<Address>;
  /** Bytes queued for one child past which new messages from other hosts are refused. */
  queueLimit: number;
  /** Children's answers to other hosts that wait for room in the window. */
  heldAnswers: HeldAnswers;
  /** What other hosts say became of what this host's processes sent them. */
  outcomes: RemoteOutcomes;
  /** Streams children answer to other hosts, one part of which the link refused. */
  refusedStreams: RefusedStreams;
  /** The other host `to` is on; undefined when it is on this one (or nowhere). */
  remoteHost(to: Address): string | undefined;
  /** Who is handed what comes for this manager. */
  receiver(): Receiver | undefined;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
}

/** Relays what other hosts send to this host's children, and refuses what cannot reach them. */
export class RelayToChildren {
  readonly #options: RelayToChildrenOptions;
  readonly #local: RelayToChildrenOptions["local"];
  readonly #link: RelayToChildrenOptions["link"];
  readonly #global: string;
  readonly #queueLimit: number;
  readonly #heldAnswers: HeldAnswers;
  readonly #outcomes: RemoteOutcomes;
  readonly #refusedStreams: RefusedStreams;
  /** What other hosts sent to this host's children while none of their processes was joined. */
  readonly #held: HeldUntilJoined;
  /** Children told to exit whose next process has not joined yet. */
  readonly #exiting = new Set<Address>();
  /** By child: what was relayed to its process from other hosts and not said taken yet. */
  readonly #untaken = new Map<Address, UntakenRelays>();
  /** Children said to read too slowly, until their queue is down to half the limit. */
  readonly #slow = new Set<Address>();

  constructor(options: RelayToChildrenOptions) {
    this.#options = options;
    this.#local = options.local;
    this.#link = options.link;
    this.#global = options.global;
    this.#queueLimit = options.queueLimit;
    this.#heldAnswers = options.heldAnswers;
    this.#outcomes = options.outcomes;
    this.#refusedStreams = options.refusedStreams;
    this.#held = new HeldUntilJoined(options.children);
  }

  get #receiver(): Receiver | undefined {
    return this.#options.receiver();
  }

  #remoteHost(to: Address): string | undefined {
    return this.#options.remoteHost(to);
  }

  /** `child` said it took `taken` more of what was relayed to it, or (`"rest"`) all that comes. */
  taken(child: Address, taken: number | "rest"): void {
    if (taken === "rest") this.untakenBy(child).takeTheRest();
    else this.#untaken.get(child)?.take(taken);
  }

  /** `child` was told to exit: what is new for it waits for its next process. */
  exiting(child: Address): void {
    this.#exiting.add(child);
    this.#held.wait(child);
  }

  /** `child` will have no next process: what waited for it is refused. */
  noReturn(child: Address): void {
    this.#exiting.delete(child);
    this.#bounceHeld(child, this.#held.release(child));
  }

  /** The gateway closes: what never reached a child is refused where its sender can see it. */
  close(): void {
    for (const [child, held] of this.#held.close()) this.#bounceHeld(child, held);
  }

  /** A message from another host: for the manager, or for one of its children. */
  deliver(from: Address, to: Address, payload: Uint8Array): void {
    if (to === this.#global || to === MANAGER) return this.#receiver?.deliver(from, [payload]);
    const exiting = this.#exiting.has(to);
    // Answered here for the child (a request it would refuse): not relayed.
    const answer = this.#receiver?.answerFor?.(to, from, payload, exiting);
    if (answer !== undefined && this.#answerAs(to, from, answer)) return;
    // A child told to exit reads on until it closes: what answers or steers
    // its own work (a response, `$left`, `$more`) still goes to it.
    const held = exiting && !isNewMessage(from, payload)
      ? "joined"
      : this.#held.hold(from, to, payload);
    switch (held) {
      case "held":
        return;
      case "full":
        return this.#refuse(
          from,
          to,
          payload,
          `${describe(to)} has not joined, and too much waits for it already`,
          true,
        );
    }
    this.#relayToChild(from, to, payload);
  }

  /**
   * Relays a payload from another host to a child, to be said taken; one
   * that cannot go (the child is not connected, or reads too slowly) is
   * refused to its sender.
   */
  #relayToChild(from: Address, to: Address, payload: Uint8Array): void {
    const tooSlow = this.#tooSlow(from, to, payload);
    if (tooSlow !== undefined) return this.#refuse(from, to, payload, tooSlow, true);
    const sent = this.#local.deliverFrom(to, from, payload);
    if (sent === TOO_LARGE) {
      // Hosts may set maxFrameSize apart: one larger than this host's frames is refused.
      const limit = this.#local.maxPayload(to) - relayHeadSize(from);
      const reason = `its ${payload.length} bytes are over the ${limit} bytes a message relayed ` +
        `to ${describe(to)} may have (maxFrameSize on its host)`;
      return this.#refuse(from, to, payload, reason, false);
    }
    if (sent < 0) {
      // A cancel has nothing left to stop, a grant of more parts nothing
      // left to grant: the handler ended with the process. Refused, it
      // reached its sender's onError as a message "not delivered" that its
      // code never sent (on one host it goes nowhere).
      const message = readMessage(from, payload);
      if (message?.action === CANCEL || message?.action === MORE) return;
      return this.#refuse(from, to, payload, `${describe(to)} is not connected`, true, message);
    }
    this.untakenBy(to).add(from);
  }

  /**
   * Why a new message for `child` is refused, if it is: it would take what
   * waits for the child past the limit, as a send on one host would (there,
   * `QueueFullError`). Said to this manager too, once, and again only after
   * the queue came down to half. What answers or steers the child's own
   * work (a response, `$more`, `$cancel`) still goes: it is bounded by what
   * the child asked for, and refused, it would fail the child's work.
   */
  #tooSlow(from: Address, child: Address, payload: Uint8Array): string | undefined {
    const queued = this.#local.queued(child);
    if (queued <= this.#queueLimit / 2) this.#slow.delete(child);
    const frame = HEADER_SIZE + relayHeadSize(from) + payload.length;
    if (queued + frame <= this.#queueLimit || !isNewMessage(from, payload)) return;
    // The same for each refusal, so that its sender hears of many at once.
    const why = `${describe(child)} reads too slowly: what waits for it is at maxQueuedBytes ` +
      `on its host (${this.#queueLimit})`;
    if (!this.#slow.has(child)) {
      this.#slow.add(child);
      this.#options.report(
        new QueueFullError(
          `${describe(child)} reads too slowly: ${queued} bytes wait for it, and maxQueuedBytes ` +
            `on its host is ${this.#queueLimit}; what other hosts send it is refused until it reads`,
          { peer: child },
        ),
      );
    }
    return why;
  }

  /** What was relayed to `child`'s process and not said taken yet. */
  untakenBy(child: Address): UntakenRelays {
    let untaken = this.#untaken.get(child);
    if (!untaken) this.#untaken.set(child, untaken = new UntakenRelays());
    return untaken;
  }

  /**
   * A child's connection closed. Closed gracefully, it read everything
   * sent to it, as it said; else (it crashed with frames unread in its
   * socket, or read by its runtime and never handed on; or it stopped
   * reading), what it never said it took is refused to its senders, by
   * count: it never had them, or at least never said so. Before, they were
   * lost in silence (some in each host stop that a worker crashed through).
   */
  left(child: Address, reason: Error | undefined): void {
    this.#outcomes.childChanged(child);
    this.#refusedStreams.childChanged(child);
    const untaken = this.#untaken.get(child);
    this.#untaken.delete(child);
    const graceful = untaken?.takesTheRest === true && reason === undefined;
    if (!graceful) {
      for (const [from, count] of untaken?.bySender() ?? []) {
        if (from === this.#global) continue;
        const them = count === 1 ? "it" : "them";
        const why = `${describe(child)} ended before it said it had read ${them}`;
        this.#link.bounce(from, child, why, { count, ended: true });
      }
    }
    // The other hosts hear it ended, as on one host a closed connection
    // says: what it took and did not answer fails there (what its stop work
    // cut short, or all, if it crashed), rather than wait out its timeout;
    // what is being done there for it stops.
    const how = reason === undefined ? "" : ` (${reason.message})`;
    const why = graceful ? undefined : `${describe(child)} ended without closing gracefully${how}`;
    // After what it sent that waits for room in the window: its answers
    // came after its end, to requests failed by then.
    this.#link.ended?.(child, why, this.#heldAnswers.sent(child));
  }

  /**
   * Refuses a payload from another host that cannot reach `to`, here; `away`
   * when nothing else its sender has open with `to` breaks (`to` is not
   * connected, not joined, or too slow to take new work). A request is
   * answered as from `to`, failed as never delivered, so that to `ANY` it
   * goes to another worker; anything else bounces, naming its action if it
   * has one; so does a request whose answer cannot go (too large, the
   * host left: one the window has no room for waits, see `#answerAs`), not
   * as away: its sender then fails what it has open with `to`, as it may
   * have run, rather than wait for an answer that never comes.
   */
  #refuse(
    from: Address,
    to: Address,
    payload: Uint8Array,
    reason: string,
    away: boolean,
    message: WireMessage | undefined = readMessage(from, payload),
  ): void {
    const answer = message && isRequest(message)
      ? notDelivered(from, message, reason, this.#link.maxPayload)
      : undefined;
    if (answer !== undefined && this.#answerAs(to, from, answer)) return;
    this.#link.bounce(from, to, reason, {
      action: message?.action,
      away: away && answer === undefined ? true : undefined,
    });
  }

  /**
   * Sends `answer` to `to`, on another host, as from `child`, which never
   * sent it: a bye's count of what came from the child counts it, so it is
   * counted (see {@linkcode RemoteOutcomes.answeredAs}).
   *
   * When the window to `to`'s host has no room, it waits there, as the
   * child's own answers do (see `held_answers.ts`): a refusal of the
   * request sent instead kept a child's plain requests open (the process
   * is there), and the request waited out its timeout.
   *
   * @returns Whether it was sent, or held to send.
   */
  #answerAs(child: Address, to: Address, answer: Payload): boolean {
    const joined = forLink(answer);
    const payload = typeof joined === "string" ? new TextEncoder().encode(joined) : joined;
    // Behind what the child's process sent `to` that waits: counted as it goes.
    if (this.#heldAnswers.behind(child, to, payload, true)) return true;
    const sent = this.#link.send(child, to, payload);
    const host = this.#remoteHost(to);
    if (sent === FULL && host !== undefined) {
      this.#heldAnswers.hold(child, to, host, payload, true);
      return true;
    }
    if (sent < 0) return false;
    this.#outcomes.answeredAs(child, to);
    return true;
  }

  /** A child of this host joined: what other hosts sent it before goes to it now. */
  joined(child: Address): void {
    this.#outcomes.childChanged(child);
    this.#exiting.delete(child);
    for (const { from, payload } of this.#held.release(child)) {
      this.#relayToChild(from, child, payload);
    }
  }

  /**
   * What waited for a child that will have no process to take it; their
   * senders hear it one report a sender and action, as refusals that
   * speak only for their messages are gathered where they are told (see
   * {@linkcode RemoteOutcomes.bounced}).
   */
  #bounceHeld(child: Address, held: readonly Held[]): void {
    const reason = `${describe(child)} stopped before it could take it`;
    for (const { from, payload } of held) this.#refuse(from, child, payload, reason, true);
  }
}
