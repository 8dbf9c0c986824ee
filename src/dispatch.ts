/**
 * `Dispatcher`: hands a received message to what listens for its action —
 * the request handler, the action's listeners, the catch-all listeners —
 * answers requests with what the handler returns or throws, and answers at
 * once when nobody listens.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import { responseAction } from "./action.ts";
import { toWireError, type WireMessage } from "./codec.ts";
import { NoHandlerError, SwitchboardError } from "./errors.ts";
import type { Listeners, RequestHandler } from "./listeners.ts";
import type { IncomingRequests } from "./incoming.ts";
import { ReceivedMessage, type Replier } from "./message.ts";

/** Dispatches one process's incoming messages to its listeners. */
export class Dispatcher {
  readonly #self: Address;
  readonly #listeners: Listeners;
  readonly #replier: Replier;
  readonly #incoming: IncomingRequests;
  #handlersRunning = 0;
  #handlersSettled: PromiseWithResolvers<void> | undefined;

  constructor(
    self: Address,
    listeners: Listeners,
    replier: Replier,
    incoming: IncomingRequests,
  ) {
    this.#self = self;
    this.#listeners = listeners;
    this.#replier = replier;
    this.#incoming = incoming;
  }

  /** Handler calls whose promise has not settled yet. */
  get handlersRunning(): number {
    return this.#handlersRunning;
  }

  /** Resolves once no handler's promise is still running. */
  handlersSettled(): Promise<void> {
    if (this.#handlersRunning === 0) return Promise.resolve();
    this.#handlersSettled ??= Promise.withResolvers<void>();
    return this.#handlersSettled.promise;
  }

  /** Dispatches one message from `from`. */
  dispatch(from: Address, message: WireMessage): void {
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
      ? this.#incoming.open(from, message.messageId!, message.timeout)
      : undefined;
    const received = new ReceivedMessage(this.#replier, from, message, incoming);
    if (handler) this.#runHandler(handler, received);
    if (forAction) {
      for (const listener of forAction) {
        try {
          listener(received.data, received);
        } catch (error) {
          this.#reportListenerError(received, error);
        }
      }
    }
    for (const listener of any) {
      try {
        listener(received);
      } catch (error) {
        this.#reportListenerError(received, error);
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
    try {
      result = handler(message.data, message);
    } catch (error) {
      this.#handlerFailed(message, error);
      return;
    }
    if (!isPromiseLike(result)) {
      this.#respond(message, result);
      return;
    }
    this.#handlersRunning++;
    result.then(
      (value) => this.#respond(message, value),
      (error) => this.#handlerFailed(message, error),
    ).then(() => {
      if (--this.#handlersRunning > 0) return;
      this.#handlersSettled?.resolve();
      this.#handlersSettled = undefined;
    });
  }

  #respond(message: ReceivedMessage, value: unknown): void {
    if (!message.isRequest) return;
    try {
      message.reply(responseAction(message.action), value);
    } catch (error) {
      // The result could not be encoded: tell the requester instead of
      // letting it time out.
      this.#handlerFailed(message, error);
    }
  }

  #handlerFailed(message: ReceivedMessage, error: unknown): void {
    if (message.isRequest) this.#replyError(message, toWireError(error));
    else this.#reportListenerError(message, error);
  }

  #replyError(to: ReceivedMessage, error: WireMessage["error"]): void {
    try {
      this.#replier.replyTo(to, { action: responseAction(to.action), error });
    } catch (thrown) {
      this.#listeners.report(thrown as Error);
    }
  }

  #reportListenerError(message: ReceivedMessage, thrown: unknown): void {
    const { message: text } = toWireError(thrown);
    this.#listeners.report(
      new SwitchboardError(
        `A listener for "${message.action}" from ${describe(message.from)} threw: ${text}`,
        { cause: thrown },
      ),
    );
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
