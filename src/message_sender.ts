/**
 * The way out for messages and answers: each is checked (its action, its
 * data against the schemas), encoded once, and handed to the outbox for
 * the targets it names, as this process sends to them. An answer goes to
 * the process that sent what it answers, and settles the request it
 * answers; one whose requester is gone, or gave up, is not sent.
 *
 * @module
 */

import { type Address, ANY, isAddress, type Target, targetsOf } from "./address.ts";
import { assertUserAction } from "./action.ts";
import { EncodedData, encodeMessage, type WireMessage } from "./codec.ts";
import type { Lending } from "./lending.ts";
import type { ReceivedMessage } from "./message.ts";
import type { Outbox } from "./outbox.ts";
import type { Schemas } from "./schema.ts";
import type { Payload } from "./transport.ts";
import { checkOutgoing } from "./validation.ts";

/** What the message sender needs of its router. */
export interface MessageSenderOptions {
  /** The way out, with the cluster's layout. */
  outbox: Outbox;
  /** The largest message to send. */
  maxFrameSize: number;
  /** Schemas by action, for the data sent. */
  schemas?: Schemas;
  /** How `ANY` weighs a worker (see {@linkcode Requester.load}). */
  load(worker: Address): number;
}

/** Sends one process's messages and answers. */
export class MessageSender {
  readonly #options: MessageSenderOptions;
  readonly #outbox: Outbox;

  constructor(options: MessageSenderOptions) {
    this.#options = options;
    this.#outbox = options.outbox;
  }

  /**
   * Sends a message; returns to how many processes it was handed.
   *
   * @throws {QueueFullError} When a target's queue is full; nothing is sent.
   * @param lending Given, the large arrays in `data` are lent once encoded
   * (see src/lending.ts).
   * @throws {FrameError} When the data cannot be encoded or is too large.
   */
  send(action: string, data: unknown, to?: Target | typeof ANY, lending?: Lending): number {
    assertUserAction(action);
    if (to !== ANY && to !== undefined) to = this.#outbox.layout.here(to);
    if (this.#options.schemas) checkOutgoing(this.#options.schemas, action, data, to);
    if (to === ANY) {
      const payload = this.#encode(action, data, ANY, lending);
      const chosen = this.#outbox.sendToAny(payload, action, (w) => this.#options.load(w));
      return chosen === undefined ? 0 : 1;
    }
    if (isAddress(to)) {
      const payload = this.#encode(action, data, to, lending);
      return this.#outbox.send(to, payload, action) >= 0 ? 1 : 0;
    }
    // A process listed twice gets the message once.
    const targets = to === undefined
      ? this.#outbox.layout.workerIds
      : [...new Set(targetsOf(to, action))];
    const payload = this.#encode(action, data, to, lending);
    if (targets.length === 1) return this.#outbox.send(targets[0], payload, action) >= 0 ? 1 : 0;
    return this.#outbox.sendToAll(targets, payload, action);
  }

  /**
   * The message's payload, its large arrays lent when `lending` is given
   * (data encoded before, an `EncodedData`, is shared, and never lent).
   */
  #encode(
    action: string,
    data: unknown,
    to: Target | typeof ANY | undefined,
    lending: Lending | undefined,
  ): Payload {
    const payload = encodeMessage({ action, data }, this.#options.maxFrameSize, to);
    return lending === undefined || data instanceof EncodedData ? payload : lending.lend(payload);
  }

  /** `options` with `to` as this process sends to it (see {@linkcode Layout.here}). */
  here<O extends { to?: Target | typeof ANY }>(options: O): O {
    const to = options?.to;
    if (to === undefined || to === ANY) return options;
    const here = this.#outbox.layout.here(to);
    return here === to ? options : { ...options, to: here };
  }

  /**
   * Answers a received message (see {@linkcode ReceivedMessage.reply}). The
   * endpoint sends it on the connection it sends everything else to the
   * sender on, so that it keeps its place among them.
   */
  reply(to: ReceivedMessage, reply: WireMessage): boolean {
    if (to.isRequest) {
      // Its requester is gone: the answer would go to nobody, or to a
      // process that never asked (the next one at that address). Or its
      // timeout passed, when the requester stops waiting: sent as this
      // process's timer fired a little before the requester's, it would
      // fail the request as a RemoteError, not the requester's TimeoutError.
      if (to.incoming?.requesterGone || to.incoming?.timedOut) {
        to.incoming.settle();
        return false;
      }
      reply.messageId = to.messageId;
      reply.re = true;
    }
    // The end of a streamed answer carries no data to check: its parts did.
    const streamEnd = to.stream !== undefined && reply.part !== true && reply.data === undefined;
    if (this.#options.schemas && reply.error === undefined && !streamEnd) {
      checkOutgoing(this.#options.schemas, reply.action, reply.data, to.from);
    }
    const payload = encodeMessage(reply, this.#options.maxFrameSize, to.from);
    // A reply by hand too goes to the process that sent the message, not to
    // its next one; one that fails the request with room for a frame more.
    const sent = to.isRequest && reply.error !== undefined
      ? this.#outbox.sendFailure(to.from, payload, reply.action)
      : this.#outbox.sendAnswer(to.from, payload, reply.action);
    // Answered once the answer went: one that failed its schema, could not
    // be encoded or was refused (at maxQueuedBytes, say) was not, and what
    // answers it may still fail it. Settled before the send, a listener's
    // reply refused so left the requester waiting out its timeout.
    if (to.isRequest && reply.part !== true) to.incoming?.settle();
    return sent >= 0;
  }
}
