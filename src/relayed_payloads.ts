/**
 * What the gateway reads of the payloads it passes between hosts, and the
 * answer it makes to fail a request it cannot pass on. Both ways of its
 * relay (a child's message to another host, another host's to a child)
 * read a payload as a message, only to tell a request, a new message or a
 * stream's part from the rest; what cannot be read is passed on or
 * refused, unnamed, all the same.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import { CONTROL_PREFIX } from "./action.ts";
import { decodeMessage, type WireMessage } from "./codec.ts";
import { UnreachableError } from "./errors.ts";
import { failureAnswer } from "./failure_answer.ts";
import { isPieces, joinPieces } from "./payload_pieces.ts";
import type { Payload } from "./transport.ts";

/** A payload as a message; undefined when it is none (refused all the same, unnamed). */
export function readMessage(from: Address, payload: Uint8Array): WireMessage | undefined {
  try {
    return decodeMessage(payload, describe(from));
  } catch {
    return undefined;
  }
}

/**
 * The answer to `request` from `from` that fails it as never delivered,
 * for `reason`, carrying its data back; undefined when even the answer
 * without its data is over `limit`.
 */
export function notDelivered(
  from: Address,
  request: WireMessage,
  reason: string,
  limit: number,
): Payload | undefined {
  const error = { name: UnreachableError.name, message: reason, undelivered: true as const };
  try {
    return failureAnswer(from, request, error, true, limit);
  } catch {
    return undefined;
  }
}

/** Whether `message` is a request that waits for an answer (not a control frame's). */
export function isRequest(message: WireMessage): boolean {
  return message.messageId !== undefined && message.re !== true &&
    !message.action.startsWith(CONTROL_PREFIX);
}

/**
 * Whether a payload is a new message or request, not a response or a
 * control frame. One that cannot be read counts as new: held like one,
 * then delivered or refused.
 */
export function isNewMessage(from: Address, payload: Uint8Array): boolean {
  try {
    const message = decodeMessage(payload, describe(from));
    return !message.action.startsWith(CONTROL_PREFIX) && message.re !== true;
  } catch {
    return true;
  }
}

/** A payload as a broker link takes it: bytes or text, pieces joined. */
export function forLink(payload: Payload): Uint8Array | string {
  return isPieces(payload) ? joinPieces(payload) : payload;
}
