/**
 * The way in to one process: the payloads its endpoint delivers, decoded
 * into messages. Control frames go to {@linkcode ControlFrames} (and on to
 * the owner's table), answers to the open requests, the rest to the
 * dispatcher, held until the process is ready. Data is checked against its
 * action's schema on the way. A request it will not run (its data failed
 * the schema, or the process refuses new ones as it stops) is failed with
 * an answer of `failure_answer.ts`, as is, in a manager, another host's
 * request for a child that will not take it.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import { CONTROL_PREFIX, responseAction } from "./action.ts";
import { asError } from "./as_error.ts";
import { decodeMessage, type WireError, type WireMessage } from "./codec.ts";
import type { ControlFrames } from "./control_frames.ts";
import type { Dispatcher } from "./dispatch.ts";
import { failureAnswer, stoppingError } from "./failure_answer.ts";
import type { IncomingRequests, Receipt } from "./incoming.ts";
import type { Listeners } from "./listeners.ts";
import type { Outbox } from "./outbox.ts";
import type { Requester } from "./requester.ts";
import { refusalIn, type RouterState } from "./router_state.ts";
import type { Schemas } from "./schema.ts";
import type { StoppingAlone } from "./stopping_alone.ts";
import type { Endpoint, Payload } from "./transport.ts";
import { checkIncoming } from "./validation.ts";
import { toWireError } from "./wire_error.ts";

/** The sender of the batch being decoded, named for errors only (read synchronously). */
const sender = {
  address: 0 as Address,
  get name(): string {
    return describe(this.address);
  },
};

/** What the intake hands messages to and answers through: the router's parts. */
export interface IntakeParts {
  /** This process's address. */
  self: Address;
  /** Where the process is in its life, as its router says now. */
  state(): RouterState;
  /** This process's endpoint: the limits of the ways to peers, and who is connected. */
  endpoint: Endpoint;
  /** Where the answers that fail requests go out. */
  outbox: Outbox;
  /** The largest message to send. */
  maxFrameSize: number;
  /** Schemas by action, for the data received. */
  schemas?: Schemas;
  /** The control frames this process handles. */
  controlFrames: ControlFrames;
  /** The requests this process made, which answers settle. */
  requester: Requester;
  /** The requests this process is answering. */
  incoming: IncomingRequests;
  /** Hands messages to the listeners. */
  dispatcher: Dispatcher;
  /** Stopping alone: new requests are refused. */
  stoppingAlone: StoppingAlone;
  /** What this process listens with; errors nobody can catch are reported there. */
  listeners: Listeners;
}

/** Turns one process's delivered payloads into messages. */
export class Intake {
  readonly #parts: IntakeParts;
  /** Whether every request is refused (see {@linkcode Intake.refuseAll}). */
  #refusingAll = false;
  /** Messages that arrived before the process was ready, oldest first. */
  #held: [Address, WireMessage, Receipt][] = [];

  constructor(parts: IntakeParts) {
    this.#parts = parts;
  }

  /**
   * Refuses every request from now on, as a child stopping alone refuses:
   * at once, `stopping: true`, its data carried back, so that the sender
   * sees it. Messages and answers are still taken.
   */
  refuseAll(): void {
    this.#refusingAll = true;
  }

  /**
   * Dispatches the messages held until the process was ready, oldest
   * first; none if it closed meanwhile.
   */
  release(): void {
    const held = this.#held;
    this.#held = [];
    if (this.#parts.state() === "closed") return;
    for (const [from, message, receipt] of held) {
      // Nothing here can close the connection it came on, as deliver() would: said, and the rest go on.
      try {
        this.#parts.dispatcher.dispatch(from, message, receipt);
      } catch (error) {
        this.#parts.listeners.report(asError(error));
      }
    }
  }

  /** Drops the messages still held: the process closed, and nobody will listen. */
  dropHeld(): void {
    this.#held = [];
  }

  /**
   * Takes payloads from the endpoint (see {@linkcode Receiver.deliver}).
   *
   * @throws {FrameError} When a payload is a bad frame.
   */
  deliver(from: Address, payloads: readonly Uint8Array[]): void {
    const { controlFrames, stoppingAlone, requester, schemas } = this.#parts;
    // Named only if a frame is bad: the name costs a string on every batch.
    sender.address = from;
    for (const payload of payloads) {
      // A bad frame throws, and the endpoint closes the connection it came on.
      const message = decodeMessage(payload, sender);
      if (message.action.startsWith(CONTROL_PREFIX)) {
        controlFrames.handle(from, message);
        continue;
      }
      // Once closed, nobody listens any more.
      if (this.#parts.state() === "closed") continue;
      if (stoppingAlone.started) stoppingAlone.heardFrom(from);
      const refusing = stoppingAlone.started || this.#refusingAll;
      if (refusing && message.messageId !== undefined && message.re !== true) {
        this.#refuse(from, message);
        continue;
      }
      // What still comes of a stream its consumer left goes nowhere, unchecked.
      if (message.re === true && requester.leftEarly(message, from)) continue;
      // The request it answers, found before a schema's output may drop `data.messageId`.
      const { pending, streams } = requester;
      const answers = pending.size > 0 ? pending.answered(message, from) : undefined;
      if (schemas && !this.#passesSchema(from, message, answers)) continue;
      // Answers settle requests at once, even while listeners are not ready.
      if (streams.size > 0 && requester.takeStreamed(message, from)) continue;
      // A part of a stream its consumer left: nobody else listens for parts.
      if (message.part === true) continue;
      if (answers !== undefined) pending.answer(message, from, answers);
      if (this.#dispatching()) this.#parts.dispatcher.dispatch(from, message);
      else this.#held.push([from, message, this.#parts.incoming.receipt()]);
    }
  }

  /** Whether messages go to the listeners now, rather than wait behind held ones. */
  #dispatching(): boolean {
    switch (this.#parts.state()) {
      case "ready":
        return true;
      case "stopping":
      case "closing":
        // Stopped or closed before it was ready: what it held stays held.
        return this.#held.length === 0;
      default:
        return false;
    }
  }

  /**
   * Checks a message's data against its action's schema. A failed answer
   * to a request or stream open here goes on, turned into the failure, to
   * fail it; a failed request is answered with the failure; any other
   * failed message is reported. Only the last two are kept from the
   * listeners.
   *
   * @param answers The open request the message answers, if any.
   */
  #passesSchema(from: Address, message: WireMessage, answers: string | undefined): boolean {
    const { streams } = this.#parts.requester;
    const streamed = streams.size > 0 && streams.awaits(message, from, responseAction);
    // The end of a streamed answer carries no data: its parts did. (An
    // answer to a plain request without data is checked like any.)
    if (streamed && message.part !== true && message.data === undefined) return true;
    const failure = checkIncoming(this.#parts.schemas!, from, message);
    if (failure === undefined) return true;
    const error = toWireError(failure);
    delete error.stack;
    if (answers !== undefined || streamed) {
      message.error = error;
      delete message.data;
      // A part that failed stays a part: it fails its stream, whose
      // responder is not done, so the consumer tells it to stop, once.
      if (!streamed) delete message.part;
      return true;
    }
    if (message.messageId === undefined || message.re === true) {
      this.#parts.listeners.report(failure);
      return false;
    }
    this.#failRequest(from, message, error);
    return false;
  }

  /**
   * Answers a request this process no longer takes: nothing of it runs
   * here, and the refusal carries its data back, to go to another worker.
   * When the data would not fit the refusal, the requester sends its own.
   */
  #refuse(from: Address, request: WireMessage): void {
    this.#failRequest(from, request, stoppingError(this.#parts.self), true);
  }

  /**
   * Answers a request whose handler will not run with `error`, and, when
   * `dataBack`, with the request's data too, if it fits a frame (else the
   * requester sends its own). It has a frame of room past `maxQueuedBytes`
   * (see {@linkcode Outbox.sendFailure}); one that cannot be sent even so
   * is reported here; the requester times out.
   */
  #failRequest(from: Address, request: WireMessage, error: WireError, dataBack = false): void {
    try {
      const payload = this.#failure(from, request, error, dataBack);
      // An answer: to the process that asked, past what waits for its next one.
      this.#parts.outbox.sendFailure(from, payload, responseAction(request.action));
    } catch (thrown) {
      this.#parts.listeners.report(asError(thrown));
    }
  }

  /** The answer that fails a request with `error`, in what the way to `from` carries. */
  #failure(from: Address, request: WireMessage, error: WireError, dataBack: boolean): Payload {
    // Another host's limit may be lower.
    const limit = Math.min(this.#parts.maxFrameSize, this.#parts.endpoint.maxPayload(from));
    return failureAnswer(from, request, error, dataBack, limit);
  }

  /**
   * A payload from another host's `from` for this manager's child `to`,
   * before it is relayed (see {@linkcode Receiver.answerFor}): a request
   * for a child that refuses new ones (it said `$leaving`), is told to
   * exit, or is down while it is being replaced or this host stops, is
   * refused here on its behalf, as a child stopping alone refuses, so
   * that the requester waits for its new process, or, to `ANY`, asks
   * another. Relayed, it could reach the child as it closes, or bounce as
   * undelivered.
   */
  answerFor(
    to: Address,
    from: Address,
    payload: Uint8Array,
    exiting: boolean,
  ): Payload | undefined {
    // On every relayed payload: the common case costs a lookup.
    const stopping = refusalIn(this.#parts.state()) !== undefined;
    const { replacements } = this.#parts.requester;
    if (!stopping && !exiting && !replacements.has(to)) return undefined;
    // As this host stops, a child still up takes requests until it is told
    // to exit, and one that is down will not be back.
    const up = this.#parts.endpoint.connected().includes(to);
    if (up && !exiting && (stopping || !replacements.refusing(to))) return undefined;
    let request: WireMessage;
    try {
      request = decodeMessage(payload, describe(from));
    } catch {
      return undefined; // Not this manager's to judge: relayed, the child reports it.
    }
    if (request.messageId === undefined || request.re === true) return undefined;
    if (request.action.startsWith(CONTROL_PREFIX)) return undefined;
    try {
      return this.#failure(from, request, stoppingError(to), true);
    } catch {
      return undefined;
    }
  }
}
