/**
 * The answer that fails a request whose handler will not run here: a
 * schema refused its data, or the process (or, for its child, a manager)
 * stops and refuses it. A refusal carries the request's data back when it
 * fits, so that the requester can send it to another worker as it was.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import { responseAction } from "./action.ts";
import { encodeMessage, type WireError, type WireMessage } from "./codec.ts";
import { sendFitting } from "./cut_short.ts";
import { ClosedError, FrameError } from "./errors.ts";
import type { Payload } from "./transport.ts";

/**
 * The answer to `request` from `from` that fails it with `error`, and,
 * when `dataBack`, carries its data too if that fits `limit` (else the
 * requester sends the data it kept). An error too long for `limit` goes
 * cut short (see `cut_short.ts`).
 *
 * @throws {FrameError} When even the shortest answer is over `limit`: the
 * whole error's.
 */
export function failureAnswer(
  from: Address,
  request: WireMessage,
  error: WireError,
  dataBack: boolean,
  limit: number,
): Payload {
  const answer = {
    action: responseAction(request.action),
    messageId: request.messageId,
    re: true as const,
    error,
  };
  if (dataBack) {
    try {
      return encodeMessage({ ...answer, data: request.data }, limit, from);
    } catch (thrown) {
      if (!(thrown instanceof FrameError)) throw thrown;
    }
  }
  // Too large without the data too (a schema's failure that lists
  // thousands of issues): cut short, then shorter, as a handler's error is.
  return sendFitting(error, (fitting) => encodeMessage({ ...answer, error: fitting }, limit, from));
}

/** What a process stopping alone (`who`) refuses a request with: the requester may send it elsewhere. */
export function stoppingError(who: Address): WireError {
  return { name: ClosedError.name, message: `${describe(who)} is stopping`, stopping: true };
}
