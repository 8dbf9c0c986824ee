/**
 * {@linkcode Message}: a message as listeners get it, able to answer its
 * sender, as Switchboard's `src/message.ts`.
 *
 * @module
 */

import { assertUserAction } from "./action.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/**
 * A message's signal as the peer reads it, without counting as read: set
 * by {@linkcode Message}'s static block, as its fields are private.
 *
 * @type {(msg: Message) => AbortSignal}
 */
export let signalOf;
/**
 * Whether the message's handler read its signal: one that saw it abort at
 * the request's timeout does not answer (a Deno handler's likewise arms its
 * deadline only once it reads it). An answer that does not heed it, late,
 * still goes, to the response action's listeners (tests/request_test.ts).
 *
 * @type {(msg: Message) => boolean}
 */
export let signalWasRead;

/** A message as listeners get it. */
export class Message {
  static {
    signalOf = (msg) => msg.#signal;
    signalWasRead = (msg) => msg.#signalRead;
  }

  /**
   * @param {Address} from
   * @param {{ action: string, data?: unknown, messageId?: string, re?: true }} wire
   * @param {AbortSignal} signal
   * @param {(message: Message, wire: object) => boolean} replier
   */
  constructor(from, wire, signal, replier) {
    /** The action. */
    this.action = wire.action;
    /** The data. */
    this.data = wire.data;
    /** The sender, as its connection's handshake proved. */
    this.from = from;
    /** The request's id, on a request or a response. */
    this.messageId = wire.messageId;
    /** Whether the sender waits for an answer. */
    this.isRequest = wire.messageId !== undefined && wire.re !== true;
    this.#signal = signal;
    this.#replier = replier;
  }

  #replier;
  #signal;
  #signalRead = false;

  /** Aborts when the requester gives up: `$cancel`, its timeout, or it is gone. */
  get signal() {
    this.#signalRead = true;
    return this.#signal;
  }

  /**
   * Answers the sender; to a request, with its messageId and `re: true`.
   *
   * @param {string} action
   * @param {unknown} data
   * @returns {boolean} Whether it could be handed to the connection.
   * @throws {FrameError | QueueFullError} When it cannot be encoded, or the
   * queue to the sender has no room for it within `maxQueuedBytes`.
   */
  reply(action, data) {
    assertUserAction(action);
    return this.#replier(this, { action, data });
  }
}
