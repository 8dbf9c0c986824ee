/**
 * `ReceivedMessage`: a message as listeners receive it, able to answer the
 * connection it came on.
 *
 * @module
 */

import type { Address } from "./address.ts";
import { assertUserAction } from "./action.ts";
import type { WireMessage } from "./codec.ts";
import type { Link } from "./link.ts";

/** Whoever can send a reply on a link: the router. */
export interface Replier {
  /** Answers `to`, which came on `link`; returns whether a link took the answer. */
  replyTo(link: Link, to: ReceivedMessage, reply: WireMessage): boolean;
}

/** Reads the link a message came on; for the router's error replies. */
export let linkOf: (message: ReceivedMessage) => Link;

/** A message as listeners receive it (the `Message` type of the public API). */
export class ReceivedMessage {
  /** The action. */
  readonly action: string;
  /** The data. */
  readonly data: unknown;
  /** The sender's address. */
  readonly from: Address;
  /** The request's id, when the message is a request or a response. */
  readonly messageId: string | undefined;
  readonly #replier: Replier;
  readonly #link: Link;
  readonly #isRequest: boolean;

  constructor(replier: Replier, link: Link, message: WireMessage, isRequest: boolean) {
    this.action = message.action;
    this.data = message.data;
    this.from = link.address!;
    this.messageId = message.messageId;
    this.#replier = replier;
    this.#link = link;
    this.#isRequest = isRequest;
  }

  static {
    linkOf = (message) => message.#link;
  }

  /** Whether the sender waits for a response (it sent a messageId). */
  get isRequest(): boolean {
    return this.#isRequest;
  }

  /**
   * Answers the sender (see {@linkcode Replier.replyTo}); to a request, the
   * answer carries its messageId back.
   */
  reply(action: string, data: unknown): boolean {
    assertUserAction(action);
    return this.#replier.replyTo(this.#link, this, { action, data });
  }
}
