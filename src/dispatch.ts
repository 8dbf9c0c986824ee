/**
 * `Dispatcher`: hands a received message to what listens for its action —
 * the request handler, the action's listeners, the catch-all listeners —
 * answers requests with what the handler returns or throws, and answers at
 * once when nobody listens.
 *
 * @module
 */

import { type Address, describe, isManagerOf, MANAGER } from "./address.ts";
import { responseAction } from "./action.ts";
import type { WireError, WireMessage } from "./codec.ts";
import { sendFitting } from "./cut_short.ts";
import { NoHandlerError, QueueFullError, SwitchboardError } from "./errors.ts";
import type { Listeners, RequestHandler } from "./listeners.ts";
import type { IncomingRequests, Receipt } from "./incoming.ts";
import { ReceivedMessage, type Replier } from "./message.ts";
import { adviseChild } from "./permission_advice.ts";
import { isPromiseLike } from "./promise_like.ts";
import { shown } from "./shown.ts";
import { toWireError } from "./wire_error.ts";

/** Dispatches one process's incoming messages to its listeners. */
export class Dispatcher {
  readonly #self: Address;
  readonly #isChild: boolean;
  readonly #listeners: Listeners;
  readonly #replier: Replier;
  readonly #incoming: IncomingRequests;
  /** Handler calls whose promise has not settled yet, each as it will settle here. */
  readonly #running = new Set<Promise<void>>();
  #handlersSettled: PromiseWithResolvers<void> | undefined;

  constructor(
    self: Address,
    listeners: Listeners,
    replier: Replier,
    incoming: IncomingRequests,
  ) {
    this.#self = self;
    this.#isChild = self !== MANAGER && !isManagerOf(self);
    this.#listeners = listeners;
    this.#replier = replier;
    this.#incoming = incoming;
  }

  /** Handler calls whose promise has not settled yet. */
  get handlersRunning(): number {
    return this.#running.size;
  }

  /**
   * Resolves once no handler's promise is still running, those that start
   * meanwhile included: under a steady load of requests it may never.
   */
  handlersSettled(): Promise<void> {
    if (this.#running.size === 0) return Promise.resolve();
    this.#handlersSettled ??= Promise.withResolvers<void>();
    return this.#handlersSettled.promise;
  }

  /** Resolves once the handlers running now have settled; those that start later are not awaited. */
  runningHandlersSettled(): Promise<void> {
    return Promise.allSettled(this.#running).then(() => {});
  }

  /** Dispatches one message from `from`, which came now, or at `receipt` (it was held). */
  dispatch(from: Address, message: WireMessage, receipt?: Receipt): void {
    // A failed response has no data for listeners; it only settles a request.
    if (message.error !== undefined) return;
    const listeners = this.#listeners;
    const handler = listeners.handlerFor(message.action);
    const forAction = listeners.forAction(message.action);
    const any = listeners.any;
    const isRequest = message.messageId !== undefined && message.re !== true;
    // Nobody to tell, nothing to answer: e.g. a response its request took.
    if (!handler && !forAction && any.length === 0 && !isRequest) return;
    const incoming = isRequest
      ? this.#incoming.open(from, message.messageId!, message.timeout, message.stream, receipt)
      : undefined;
    const received = new ReceivedMessage(this.#replier, from, message, incoming);
    if (handler) this.#runHandler(handler, received);
    // With no handler, the listeners answer a request: one that fails
    // before it is answered fails it.
    const answersIt = isRequest && !handler;
    if (forAction) {
      for (const listener of forAction) {
        try {
          const result: unknown = listener(received.data, received);
          if (result !== undefined) this.#watchListener(received, result, answersIt);
        } catch (error) {
          this.#listenerFailed(received, error, answersIt);
        }
      }
    }
    for (const listener of any) {
      try {
        const result: unknown = listener(received);
        if (result !== undefined) this.#watchListener(received, result, answersIt);
      } catch (error) {
        this.#listenerFailed(received, error, answersIt);
      }
    }
    if (isRequest && !handler && !forAction && any.length === 0) {
      this.#replyError(received, {
        name: NoHandlerError.name,
        message: `${describe(this.#self)} has no handler for "${message.action}"`,
      });
    }
  }

  #runHandler(handler: RequestHandler, message: ReceivedMessage): void {
    let result: unknown;
    let later: boolean;
    try {
      result = handler(message.data, message);
      // Probed here: a result whose `then` or iterator getter throws has
      // failed the handler, not the connection its request came on.
      later = isPromiseLike(result) || isAsyncIterable(result);
    } catch (error) {
      this.#handlerFailed(message, error);
      return;
    }
    if (!later) {
      try {
        this.#respond(message, result);
      } catch (error) {
        // Its getter threw when read again.
        this.#handlerFailed(message, error);
      }
      return;
    }
    const running: Promise<void> = Promise.resolve(result)
      .then((value) => this.#respond(message, value))
      .catch((error) => this.#handlerFailed(message, error))
      .then(() => {
        this.#running.delete(running);
        if (this.#running.size > 0) return;
        this.#handlersSettled?.resolve();
        this.#handlersSettled = undefined;
      });
    this.#running.add(running);
  }

  /** Answers with what the handler returned: a value, or a stream of parts. */
  #respond(message: ReceivedMessage, value: unknown): Promise<void> | void {
    if (isAsyncIterable(value)) return this.#respondWithStream(message, value);
    if (!message.isRequest) return;
    try {
      message.reply(responseAction(message.action), value);
    } catch (error) {
      // The result could not be encoded, or its answer was refused at
      // maxQueuedBytes: tell the requester instead of letting it time out.
      // A refusal is this process's own send refused, which nothing of it
      // saw (the handler returned): its onError hears it too.
      if (error instanceof QueueFullError) this.#listeners.report(error);
      this.#handlerFailed(message, error);
    }
  }

  /**
   * Sends the parts of a streamed answer as the requester takes them, at
   * most its window ahead (the handler's iteration one part past it,
   * waiting), then the end; stops (and ends the handler's iteration) once
   * the requester gives up.
   */
  async #respondWithStream(message: ReceivedMessage, parts: AsyncIterable<unknown>): Promise<void> {
    const iterator = parts[Symbol.asyncIterator]();
    const incoming = message.incoming;
    const action = responseAction(message.action);
    if (!incoming || message.stream === undefined) {
      await iterator.return?.();
      if (!message.isRequest) return;
      throw new SwitchboardError(
        `The handler of "${message.action}" answers with a stream: ask with requestStream()`,
      );
    }
    let ended = false;
    try {
      while (!incoming.settled) {
        const result = await iterator.next();
        // As `for await` checks it: destructured, a number gave undefined
        // parts, never done, for ever.
        if (result === null || typeof result !== "object") {
          throw new TypeError(
            `The handler of "${message.action}" streams from an iterator whose next() gave ${
              shown(result)
            }, not an iterator result`,
          );
        }
        const { value, done } = result;
        if (done) ended = true;
        if (incoming.abandoned) break;
        if (done) {
          this.#replier.replyTo(message, { action });
          return;
        }
        // Only a part waits for the requester's grant: the end needs none
        // (README, Protocol), so a stream of exactly its window ends.
        if (!(await incoming.takeCredit())) break;
        this.#replier.replyTo(message, { action, data: value, part: true });
        // Its window counts parts: large ones would fill the queue to
        // maxQueuedBytes before the consumer could take them.
        const draining = this.#replier.drainFor?.(message.from);
        if (draining) await draining;
      }
    } catch (error) {
      // The handler threw (it is done), or a part could not be sent (it is not).
      if (!ended) await iterator.return?.()?.catch(() => {});
      ended = true;
      throw error;
    } finally {
      // Given up: the handler's own finally blocks run now.
      if (!ended) await iterator.return?.();
    }
  }

  #handlerFailed(message: ReceivedMessage, error: unknown): void {
    if (message.isRequest) this.#replyError(message, this.#wireError(error));
    else this.#reportListenerError(message, error);
  }

  /** What a handler threw, as sent; in a child, with advice on permissions that fits it. */
  #wireError(thrown: unknown): WireError {
    const error = toWireError(thrown);
    if (this.#isChild) error.message = adviseChild(error.message);
    return error;
  }

  #replyError(to: ReceivedMessage, error: WireError): void {
    const action = responseAction(to.action);
    try {
      // Too large for a frame (a long message or stack, many issues): cut
      // short, the requester learns what failed rather than waiting out
      // its timeout.
      sendFitting(error, (fitting) => this.#replier.replyTo(to, { action, error: fitting }));
    } catch (thrown) {
      this.#listeners.report(thrown as Error);
    }
  }

  /**
   * A listener returned something: an async one, whose rejection is
   * handled as its throw is. Left alone, it would end the process (an
   * unhandled rejection), and every other peer's traffic with it.
   */
  #watchListener(message: ReceivedMessage, result: unknown, answersIt: boolean): void {
    if (!isPromiseLike(result)) return;
    result.then(undefined, (error) => this.#listenerFailed(message, error, answersIt));
  }

  /**
   * A listener threw or rejected: `onError` hears it, as any listener's
   * throw; and the requester does, as a handler's throw, when the listeners
   * answer its request and none has yet (else it would wait out its
   * timeout, told nothing). Both, as an answer sent by hand with
   * `sendMessage` does not settle the request here: told only to the
   * requester, a throw after such an answer would be dropped there.
   */
  #listenerFailed(message: ReceivedMessage, error: unknown, answersIt: boolean): void {
    // Watched now if it was not (nobody read its signal): a requester that
    // gave up meanwhile (its timeout passed, it cancelled, it is gone)
    // settles it, and nothing is sent to nobody.
    if (answersIt) message.incoming?.watch();
    if (answersIt && message.incoming?.settled === false) {
      this.#replyError(message, this.#wireError(error));
    }
    this.#reportListenerError(message, error);
  }

  #reportListenerError(message: ReceivedMessage, thrown: unknown): void {
    const { message: text } = this.#wireError(thrown);
    this.#listeners.report(
      new SwitchboardError(
        `A listener for "${message.action}" from ${describe(message.from)} threw: ${text}`,
        { cause: thrown, action: message.action, peer: message.from },
      ),
    );
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === "function";
}
