/**
 * {@linkcode Dispatcher}: hands a received message to what listens for its
 * action (the request handler, the action's listeners, the catch-all
 * listeners), answers requests with what the handler returns or throws,
 * and answers at once when nobody listens, as Switchboard's
 * `src/dispatch.ts`. An answer goes only while its requester still waits.
 *
 * @module
 */

import { responseAction } from "./action.mjs";
import { describe } from "./address.mjs";
import { cutShort, SHORT_MESSAGE, SHORTEST_MESSAGE, toWireError } from "./codec.mjs";
import { FrameError, QueueFullError, SwitchboardError } from "./errors.mjs";
import { Message, signalOf, signalWasRead } from "./message.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/**
 * @typedef {object} DispatcherOptions
 * @property {Address} self This process's address.
 * @property {import("./listeners.mjs").Listeners} listeners
 * @property {import("./incoming.mjs").IncomingRequests} incoming
 * @property {(address: Address) => number} gones How many times `address`'s connections closed.
 * @property {(wire: object, to: Address) => Uint8Array} encode Encodes an
 * answer; throws a FrameError when it cannot go, a QueueFullError when the
 * queue to `to` has no room for it.
 * @property {(to: Address, payload: Uint8Array) => boolean} send
 */

/** Hands messages to listeners, and answers requests. */
export class Dispatcher {
  #options;
  /** @type {WeakSet<Message>} Requests answered: a listener that fails after is reported, not sent. */
  #answered = new WeakSet();
  /** @type {Set<Promise<void>>} The handlers running, each settled once it answered (or failed). */
  #running = new Set();

  /** @param {DispatcherOptions} options */
  constructor(options) {
    this.#options = options;
  }

  /**
   * Hands a message to its handler and listeners; answers a request nobody
   * listens for. One held since it came (before the go-ahead) comes with
   * how many of its sender's connections had closed then, when, and
   * whether its requester gave it up meanwhile (`$cancel`).
   *
   * @param {Address} from
   * @param {object} message
   * @param {number} [seenGone]
   * @param {number} [came]
   * @param {boolean} [cancelled]
   */
  dispatch(
    from,
    message,
    seenGone = this.#options.gones(from),
    came = performance.now(),
    cancelled = false,
  ) {
    const { listeners: registered, incoming } = this.#options;
    // A failed answer has no data for listeners: it only settles a request.
    if (message.error !== undefined) return;
    const handler = registered.handlers.get(message.action);
    const listeners = registered.of(message.action);
    const isRequest = message.messageId !== undefined && message.re !== true;
    if (!handler && listeners.length === 0 && registered.any.size === 0 && !isRequest) return;
    const signal = isRequest
      ? incoming.open(from, message, performance.now() - came, cancelled)
      : new AbortController().signal;
    const msg = new Message(from, message, signal, (to, wire) => this.#replyTo(to, wire, seenGone));
    if (handler) this.#runHandler(handler, msg);
    // With no handler, the listeners answer a request: one that fails
    // before it is answered fails it.
    const answersIt = isRequest && !handler;
    for (const listener of listeners) this.#call(listener, msg, answersIt, msg.data, msg);
    for (const listener of registered.any) this.#call(listener, msg, answersIt, msg);
    if (isRequest && !handler && listeners.length === 0 && registered.any.size === 0) {
      this.#replyError(msg, {
        name: "NoHandlerError",
        message: `${describe(this.#options.self)} has no handler for "${message.action}"`,
      });
    }
  }

  /**
   * Resolves once the handlers running now have settled; those that start later are not awaited.
   *
   * @returns {Promise<void>}
   */
  async runningSettled() {
    await Promise.all(this.#running);
  }

  /**
   * Resolves once no handler runs, those that start meanwhile included.
   *
   * @returns {Promise<void>}
   */
  async handlersSettled() {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }

  #call(listener, msg, answersIt, ...args) {
    try {
      const result = listener(...args);
      // An async listener's rejection would end the process: handled as its throw is.
      if (typeof result?.then === "function") {
        result.then(undefined, (error) => this.#listenerThrew(msg, answersIt, error));
      }
    } catch (error) {
      this.#listenerThrew(msg, answersIt, error);
    }
  }

  /**
   * onError hears it, and the requester does too, as a handler's throw,
   * when the listeners answer its request and none has yet.
   */
  #listenerThrew(msg, answersIt, error) {
    if (answersIt && !this.#answered.has(msg) && !signalOf(msg).aborted) {
      this.#replyError(msg, toWireError(error));
    }
    // Told all the same: an answer sent by hand with sendMessage is not seen here.
    this.#listenerFailed(msg, error);
  }

  #runHandler(handler, msg) {
    let result;
    let later;
    try {
      result = handler(msg.data, msg);
      // Probed here: a result whose `then` getter throws has failed the
      // handler, not the connection its request came on.
      later = typeof result?.then === "function";
    } catch (error) {
      return this.#handlerFailed(msg, error);
    }
    if (!later) return this.#respond(msg, result);
    const running = Promise.resolve(result)
      .then((value) => this.#respond(msg, value), (error) => this.#handlerFailed(msg, error))
      .catch((error) => this.#options.listeners.report(error))
      .finally(() => this.#running.delete(running));
    this.#running.add(running);
  }

  #respond(msg, value) {
    if (!msg.isRequest) return;
    try {
      msg.reply(responseAction(msg.action), value);
    } catch (error) {
      // The answer could not be encoded, or was refused at maxQueuedBytes:
      // the requester hears why, instead of timing out. A refusal is this
      // process's own send refused, which nothing of it saw (the handler
      // returned): its onError hears it too, as Switchboard's does.
      if (error instanceof QueueFullError) this.#options.listeners.report(error);
      this.#handlerFailed(msg, error);
    }
  }

  #handlerFailed(msg, error) {
    if (msg.isRequest) this.#replyError(msg, toWireError(error));
    else this.#listenerFailed(msg, error);
  }

  #replyError(msg, error) {
    const action = responseAction(msg.action);
    try {
      this.#replyTo(msg, { action, error });
    } catch (thrown) {
      if (!(thrown instanceof FrameError) || !this.#replyCutShort(msg, action, error)) {
        this.#options.listeners.report(thrown);
      }
    }
  }

  /**
   * An error answer too large for a frame (a long message or stack): cut
   * short, then shorter, as Switchboard does, so that the requester learns
   * what failed rather than waiting out its timeout.
   *
   * @returns {boolean} Whether a form of it was handed on.
   */
  #replyCutShort(msg, action, error) {
    for (const most of [SHORT_MESSAGE, SHORTEST_MESSAGE]) {
      try {
        this.#replyTo(msg, { action, error: cutShort(error, most) });
        return true;
      } catch (thrown) {
        if (!(thrown instanceof FrameError)) return false;
      }
    }
    return false;
  }

  #listenerFailed(msg, error) {
    this.#options.listeners.report(
      new SwitchboardError(
        `A listener for "${msg.action}" from ${describe(msg.from)} threw: ${
          toWireError(error).message
        }`,
        { cause: error, action: msg.action, peer: msg.from },
      ),
    );
  }

  /**
   * Answers `msg`'s sender; to a request, with its id and `re: true`, which
   * closes it. `seenGone`: how many of the sender's connections had closed
   * when it came.
   */
  #replyTo(msg, wire, seenGone) {
    const { incoming, gones, encode, send } = this.#options;
    // Its requester is gone: the answer would go to nobody, or to a process
    // that never asked (the next one at that address). Or its timeout
    // passed, when the requester stops waiting: sent as this process's
    // timer fired a little before the requester's, it would fail the
    // request as a RemoteError, not the requester's TimeoutError.
    const signal = signalOf(msg);
    if (msg.isRequest && gones(msg.from) > seenGone) {
      if (!signal.aborted) incoming.close(msg.from, msg.messageId);
      return false;
    }
    if (msg.isRequest && signalWasRead(msg) && signal.reason?.name === "TimeoutError") {
      return false;
    }
    if (msg.isRequest) {
      wire.messageId = msg.messageId;
      wire.re = true;
    }
    // Answered once the answer can go: one that could not be encoded was
    // not, and a listener that fails for it still fails the request.
    const payload = encode(wire, msg.from);
    if (msg.isRequest) {
      if (wire.part !== true) this.#answered.add(msg);
      // Aborted, it is closed already, and its key may be a newer request's.
      if (!signal.aborted) incoming.close(msg.from, msg.messageId);
    }
    return send(msg.from, payload);
  }
}
