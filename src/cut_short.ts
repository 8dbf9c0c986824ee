/**
 * An error answer cut short: what goes when the whole would not fit a
 * frame (a long message or stack, a schema's many issues), so that the
 * requester learns what failed rather than waiting out its timeout.
 *
 * @module
 */

import type { WireError } from "./codec.ts";
import { FrameError } from "./errors.ts";

/** The most of an error's message that goes when the whole would not fit a frame. */
const SHORT_MESSAGE = 1000;
/** The most that goes when even that would not: six bytes a character fit 4 KiB. */
const SHORTEST_MESSAGE = 100;
/** The most of a schema's issues that go with a message cut to {@linkcode SHORT_MESSAGE}. */
const FEW_ISSUES = 10;

/**
 * Sends `error` with `send`, whole if it fits the frame, else cut short
 * (its first issues kept), else shorter still (none kept).
 *
 * @returns What `send` returned for the form that fitted.
 * @throws {FrameError} The whole error's, when not even the shortest fits;
 * anything else `send` throws, at once.
 */
export function sendFitting<T>(error: WireError, send: (error: WireError) => T): T {
  const forms = [
    () => cutShort(error, SHORT_MESSAGE, FEW_ISSUES),
    () => cutShort(error, SHORTEST_MESSAGE),
  ];
  let tooLarge: FrameError;
  try {
    return send(error);
  } catch (thrown) {
    if (!(thrown instanceof FrameError)) throw thrown;
    tooLarge = thrown;
  }
  for (const form of forms) {
    try {
      return send(form());
    } catch (thrown) {
      if (!(thrown instanceof FrameError)) throw thrown;
    }
  }
  throw tooLarge;
}

/**
 * An error answer cut to `most` characters of each text: its name, the
 * start of its message, no stack (an empty one if it had one); and the
 * first `issues` of its issues (none by default), each cut so, with at
 * most `issues` steps of path.
 */
function cutShort(error: WireError, most: number, issues = 0): WireError {
  const { name, message, schema } = error;
  const rest = message.length - most;
  const short: WireError = {
    name: name.slice(0, most),
    message: rest > 0 ? `${message.slice(0, most)}… (${rest} more characters)` : message,
  };
  // Empty, a stack still says a handler threw it: without one, an error
  // named "NoHandlerError" is Switchboard's own "nobody listens here".
  if (error.stack !== undefined) short.stack = "";
  if (schema !== undefined) short.schema = schema.slice(0, most);
  if (issues > 0 && error.issues !== undefined) {
    short.issues = error.issues.slice(0, issues).map((issue) => ({
      message: issue.message.slice(0, most),
      path: issue.path.slice(0, issues).map((step) =>
        typeof step === "string" ? step.slice(0, most) : step
      ),
    }));
  }
  return short;
}
