/**
 * Streamed requests: one goes, and the parts of its answer are yielded as
 * they come, the responder held to a window of parts ahead by the credit
 * (`$more`) the consumer gives as it takes them. Stopping early, or letting
 * go of the iterator, cancels it (`$cancel`). Checked, sent and sent again
 * after a refusal as a plain request is, by the same `RequestSender`.
 *
 * @module
 */

import { type Address, ANY, describe } from "./address.ts";
import { encodeMessage } from "./codec.ts";
import { CANCEL, MORE } from "./control.ts";
import { TimeoutError } from "./errors.ts";
import { Refusal, TIMED_OUT } from "./pending.ts";
import { copyPayload } from "./payload_pieces.ts";
import { awaitReplacement, type CheckedRequest, NotSent } from "./replacement_wait.ts";
import { refusersSoFar, type RequesterOptions, type RequestSender } from "./request_sender.ts";
import { STREAM_WINDOW, type StreamRequests, type StreamStep } from "./streams.ts";
import type { Payload } from "./transport.ts";
import type { RequestOptions } from "./request_types.ts";
import { checkOutgoing } from "./validation.ts";

/**
 * A streamed request while it is open: what cancelling it takes. Held for
 * its iterator, which it must not reference, so that the iterator can be
 * collected.
 */
interface OpenStream {
  messageId?: string;
  target?: Address;
  /** Removes its listener from the request's signal. */
  unlisten?: () => void;
}

/** One process's streamed requests. */
export class StreamRequester {
  readonly #options: RequesterOptions;
  readonly #sender: RequestSender;
  /** The streamed requests waiting for their parts. */
  readonly #streams: StreamRequests;
  /** Streams whose iterator may be let go of before they end; see {@linkcode StreamRequester.requestStream}. */
  readonly #abandonedStreams = new FinalizationRegistry<OpenStream>((open) =>
    this.#abandoned(open)
  );

  constructor(options: RequesterOptions, sender: RequestSender, streams: StreamRequests) {
    this.#options = options;
    this.#sender = sender;
    this.#streams = streams;
  }

  /**
   * Sends a request for a streamed answer, and yields its parts as they
   * come; the responder runs at most a window of parts ahead. Ending the
   * iteration early cancels the request (the handler's signal aborts), and
   * so does letting go of the iterator without ending it, once it is
   * garbage-collected: else the responder would wait for credit forever.
   * `timeout` bounds the wait for each part.
   */
  requestStream(
    action: string,
    data: unknown,
    options: RequestOptions,
  ): AsyncGenerator<unknown, void, undefined> {
    // Checked and encoded now, as `request()` does at the call (what is
    // sent is the data as it was then, as it was checked), and failed, as
    // it rejects, at the first `next()`: where the stream is read. Sent then.
    let checked: CheckedRequest;
    let messageId: string;
    let payload: Payload;
    try {
      checked = this.#sender.check(action, options);
      if (this.#options.schemas) checkOutgoing(this.#options.schemas, action, data, checked.to);
      messageId = this.#sender.newMessageId();
      const wire = { action, data, messageId, stream: STREAM_WINDOW };
      payload = encodeMessage(wire, this.#options.maxFrameSize, checked.to);
      // Text stays as it is; bytes and pieces are valid only until the next
      // encoding, and pieces hold the caller's own `Uint8Array`s.
      if (typeof payload !== "string") payload = copyPayload(payload);
    } catch (error) {
      return failedStream(error);
    }
    const open: OpenStream = {};
    const stream = this.#requestStream(action, messageId, { payload }, checked, open);
    this.#abandonedStreams.register(stream, open);
    return stream;
  }

  /** Cancels a stream whose iterator was collected before it ended. */
  #abandoned(open: OpenStream): void {
    // A long-lived signal would keep its listener, and what that holds, for ever.
    open.unlisten?.();
    if (open.messageId === undefined || this.#options.refusal() === "closed") return;
    this.#streams.close(open.messageId);
    this.#options.sendControl(open.target!, CANCEL, { messageId: open.messageId });
  }

  async *#requestStream(
    action: string,
    messageId: string,
    request: { payload?: Payload },
    checked: CheckedRequest,
    open: OpenStream,
  ): AsyncGenerator<unknown, void, undefined> {
    const { to, timeout, signal } = checked;
    let refusedBy: Address[] | undefined;
    // A stream's timeout is per part: a wait for a replacement gets a part's.
    const awaitNew = (failure: Refusal | NotSent) =>
      awaitReplacement(this.#sender.asker, failure, "Streamed request", action, checked, timeout);
    // The request as encoded at the call, each time it goes: a refusal
    // carries back what it holds, the data as it was then. Kept until
    // something of the answer came (a refusal comes before), and no longer:
    // it may be as large as a frame.
    const send = async (payload: Payload) => {
      while (true) {
        // Aborted as a wait for a new process ended: not sent (see #ask).
        if (signal?.aborted) throw signal.reason;
        try {
          open.target = this.#sender.send(payload, action, to, refusedBy);
          const entry = this.#streams.open(messageId, action, open.target);
          entry.sent = this.#options.outbox.sent(open.target);
          return entry;
        } catch (error) {
          // Nowhere to go while what it is for is being replaced: once it is back.
          if (!(error instanceof NotSent)) throw error;
          await awaitNew(error);
          refusedBy = refusedBy?.filter((worker) => this.#sender.replacements.has(worker));
        }
      }
    };
    let entry = await send(request.payload!);
    let target = open.target!;
    open.messageId = messageId;
    const timedOut = () =>
      new TimeoutError(
        `Streamed request "${action}" to ${
          describe(target)
        } timed out after ${timeout} ms waiting for a part`,
        { action, peer: target },
      );
    const grant = STREAM_WINDOW / 2;
    let taken = 0;
    // Told once, unless its responder was done: as the signal aborts (at
    // once: the consumer may be busy with a part, not asking for the next),
    // or as the loop ends early.
    let cancelled = false;
    const cancel = () => {
      if (cancelled || entry.answered) return;
      cancelled = true;
      this.#options.sendControl(target, CANCEL, { messageId });
    };
    signal?.addEventListener("abort", cancel, { once: true });
    open.unlisten = () => signal?.removeEventListener("abort", cancel);
    try {
      while (true) {
        let step: StreamStep;
        try {
          step = await entry.next(timeout, signal);
        } catch (error) {
          // Made here, after the await, so that its stack shows the consumer's `for await`.
          if (error === TIMED_OUT) throw timedOut();
          // Refused before anything of it ran: to another worker, or to
          // the new process of the one it was for.
          if (!(error instanceof Refusal)) throw error;
          // Refused after something of it came: never so, but not sent again.
          if (request.payload === undefined) throw error.error;
          this.#sender.learnFrom(error);
          this.#streams.close(messageId, true);
          if (to === ANY) refusedBy = refusersSoFar(error, checked, refusedBy);
          else await awaitNew(error);
          entry = await send(request.payload);
          target = open.target!;
          continue;
        }
        request.payload = undefined;
        if (step.done) return;
        yield step.value;
        // Taken: the responder may send as many more.
        if (++taken === grant) {
          taken = 0;
          this.#options.sendControl(target, MORE, { messageId, parts: grant });
        }
      }
    } finally {
      open.unlisten();
      open.messageId = undefined;
      this.#streams.close(messageId);
      // Given up before its responder was done (a break, a timeout, an
      // abort, a part that failed its schema or came unasked): the
      // handler stops too.
      cancel();
    }
  }
}

/** A stream that fails with `error` where it is read. */
// deno-lint-ignore require-yield
async function* failedStream(error: unknown): AsyncGenerator<unknown, void, undefined> {
  throw error;
}
