/**
 * `ReceivedMessage`: a message as listeners receive it, able to answer its
 * sender.
 *
 * @module
 */

import type { Address } from "./address.ts";
import { assertUserAction } from "./action.ts";
import type { WireMessage } from "./codec.ts";
import { type IncomingRequest, neverAborted } from "./incoming.ts";

/** Whoever can send a reply: the router. */
export interface Replier {
  /** Answers `to` with `reply`; returns whether the transport took the answer. */
  replyTo(to: ReceivedMessage, reply: WireMessage): boolean;
  /**
   * Resolves once what is queued for `to` is down to the high-water mark
   * (or the way there closed); undefined when it is so now. A streamed
   * answer waits on it between parts: its window counts parts, not bytes.
   */
  drainFor?(to: Address): Promise<void> | undefined;
}

/** A message as listeners receive it (the `Message` type of the public API). */
export class ReceivedMessage {
  /** The action. */
  readonly action: string;
  /** The data. */
  readonly data: unknown;
  /** The sender's address, as the transport attests it. */
  readonly from: Address;
  /** The request's id, when the message is a request or a response. */
  readonly messageId: string | undefined;
  /** Whether the sender waits for a response (it sent a messageId, and this is no answer). */
  readonly isRequest: boolean;
  /** For a request asking for a streamed answer: how many parts it takes ahead. */
  readonly stream: number | undefined;
  /** The request being answered, when this is one. */
  readonly incoming: IncomingRequest | undefined;
  readonly #replier: Replier;

  constructor(
    replier: Replier,
    from: Address,
    message: WireMessage,
    incoming?: IncomingRequest,
  ) {
    this.action = message.action;
    this.data = message.data;
    this.from = from;
    this.messageId = message.messageId;
    this.isRequest = message.messageId !== undefined && message.re !== true;
    this.stream = this.isRequest ? message.stream : undefined;
    this.incoming = incoming;
    this.#replier = replier;
  }

  /** Aborts when the requester no longer waits for the answer; never, for a plain message. */
  get signal(): AbortSignal {
    return this.incoming?.signal ?? neverAborted();
  }

  /**
   * Answers the sender (see {@linkcode Replier.replyTo}); to a request, the
   * answer carries its messageId back.
   */
  reply(action: string, data: unknown): boolean {
    assertUserAction(action);
    return this.#replier.replyTo(this, { action, data });
  }
}
