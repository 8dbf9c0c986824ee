/**
 * Gathering answers from many: `requestAll()` checks its action, options
 * and data once, encodes the data once for every target (only the
 * messageId differs), and asks each target as a plain request would, one
 * dead or slow target never failing the rest: each settles to its answer
 * or its error, in target order. Apart from the requester, which sends and
 * sends again each of these requests as it does its own.
 *
 * @module
 */

import { type Address, describe, targetsOf } from "./address.ts";
import { assertUserAction } from "./action.ts";
import { encodeData, type EncodedData, encodeMessage } from "./codec.ts";
import { checkOptionNames, type OptionNames } from "./option_names.ts";
import {
  checkSignal,
  checkTimeout,
  REQUEST_OPTIONS,
  type RequesterOptions,
  type RequestSender,
} from "./request_sender.ts";
import type { RequestAllOptions, RequestOptions, Settled } from "./request_types.ts";
import { shown } from "./shown.ts";
import { checkOutgoing } from "./validation.ts";

/** The same names: `to` is one target there, several here. */
const REQUEST_ALL_OPTIONS = REQUEST_OPTIONS satisfies OptionNames<RequestAllOptions>;

/**
 * Asks one target of many, its data checked and `encoded` for the first
 * attempt (undefined when there is none to send), its options not checked
 * yet: the requester's own way to send a request until it settles.
 */
export type RequestOne = (
  action: string,
  data: unknown,
  encoded: EncodedData | undefined,
  options: RequestOptions,
) => Promise<unknown>;

/** One process's requests to many targets at once. */
export class RequestAll {
  readonly #options: RequesterOptions;
  readonly #sender: RequestSender;
  readonly #requestOne: RequestOne;

  constructor(options: RequesterOptions, sender: RequestSender, requestOne: RequestOne) {
    this.#options = options;
    this.#sender = sender;
    this.#requestOne = requestOne;
  }

  /** Asks many targets; resolves with each one's answer or error, in order. */
  requestAll(
    action: string,
    data: unknown,
    given?: RequestAllOptions,
  ): Promise<Settled<unknown>[]> {
    // Null (from a JSON config) is as good as none: every option is optional
    // here, `to` included (every worker).
    const options = given ?? {};
    const to = options.to ?? undefined;
    let targets: readonly Address[];
    let shared: EncodedData | undefined;
    try {
      assertUserAction(action);
      checkOptionNames(options, REQUEST_ALL_OPTIONS, `requestAll() of "${action}"`);
      // A process listed twice is asked once, as sendMessage sends it one message.
      targets = to === undefined
        ? this.#options.outbox.layout.workerIds
        : [...new Set(targetsOf(to, action))];
      // Once, not as each target's failure (and not never, for no targets).
      // Null keeps the default, as in request().
      if (options.timeout != null) checkTimeout(action, options.timeout);
      checkSignal(action, options.signal);
      // What no target could take is refused once, here: data that fails its
      // schema, cannot be carried, or is over maxFrameSize (another host's
      // lower limit is that host's targets' own failure).
      if (this.#options.schemas) checkOutgoing(this.#options.schemas, action, data, to);
      // Encoded once, for every target: only the messageId differs. (A 9 KB
      // array of 200 objects cost 30 µs to encode, each time.)
      shared = encodeData(action, data, this.#options.maxFrameSize, to);
      // Measured as each request goes: with a messageId as long as the
      // last target's, and its timeout.
      const timeout = options.timeout ?? this.#options.requestTimeout;
      const messageId = this.#sender.messageIdAhead(Math.max(0, targets.length - 1));
      const wire = Number.isFinite(timeout)
        ? { action, data: shared, messageId, timeout }
        : { action, data: shared, messageId };
      encodeMessage(wire, this.#options.maxFrameSize, to);
    } catch (error) {
      return Promise.reject(error);
    }
    const { timeout, signal } = options;
    return Promise.all(
      targets.map((to) =>
        this.#requestOne(action, data, shared, { to, timeout, signal }).then(
          (data) => ({ from: to, data }),
          (error: unknown) => ({ from: to, error: settledError(action, to, error) }),
        )
      ),
    );
  }
}

/**
 * A target's failure as `Settled` has it, an `Error`: an abort's reason
 * that is none (`controller.abort("shutting down")`) as an `AbortError`
 * that says so, the reason as its `cause`, for code that reads
 * `result.error.message`. (Only a signal's reason can be another value.)
 */
function settledError(action: string, to: Address, error: unknown): Error {
  if (error instanceof Error) return error;
  const aborted = new DOMException(
    `Request "${action}" to ${describe(to)} was aborted: ${shown(error)}`,
    "AbortError",
  );
  // As `new Error(message, { cause })` sets it (the types know no options for DOMException).
  Object.defineProperty(aborted, "cause", { value: error, writable: true, configurable: true });
  return aborted;
}
