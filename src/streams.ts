/**
 * `StreamRequests`: the streamed requests this process waits on, each a
 * queue of the parts that came and are not taken yet. A streamed request
 * is answered with parts (responses marked `part: true`), then one final
 * response: without data it only ends the stream, with data it is the last
 * part, with `error` it fails it. The requester lets the responder run
 * ahead by at most a window of parts: it grants more (`$more`) as its
 * consumer takes them.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import { type Clock, MAX_TIMER_DELAY } from "./clock.ts";
import type { WireMessage } from "./codec.ts";
import { FrameError } from "./errors.ts";
import { TIMED_OUT } from "./pending.ts";

/** Parts a responder may send ahead of its consumer. */
export const STREAM_WINDOW = 16;

/** What `next()` gives: a part, or the end. */
export type StreamStep = { done: false; value: unknown } | { done: true; value: undefined };

/** One streamed request, seen from its requester. */
export class StreamEntry {
  /** Who answers it. */
  readonly target: Address;
  /** Its action, for errors. */
  readonly action: string;
  /**
   * How many payloads the endpoint had taken for `target` once it was
   * sent, itself included (see `RequestSpec.sent`).
   */
  sent = 0;
  readonly #clock: Clock;
  readonly #parts: unknown[] = [];
  #ended = false;
  #error: unknown;
  #failed = false;
  /** Whether the responder sent its final response (an end or an error). */
  #answered = false;
  #waiter: PromiseWithResolvers<void> | undefined;
  #onFinished: (() => void) | undefined;

  /** @param onFinished Told once, when nothing more will come. */
  constructor(clock: Clock, action: string, target: Address, onFinished?: () => void) {
    this.#clock = clock;
    this.action = action;
    this.target = target;
    this.#onFinished = onFinished;
  }

  /** Whether the responder said it is done, or it failed: nothing more comes. */
  get finished(): boolean {
    return this.#ended || this.#failed;
  }

  /**
   * Whether the responder is done: it sent its final response. A stream
   * failed here (a part too many, say) is finished, but its responder may
   * still be producing: the requester tells it to stop.
   */
  get answered(): boolean {
    return this.#answered;
  }

  /** Takes one message of the stream from its responder. */
  take(message: WireMessage, toError: () => unknown): void {
    if (this.finished) return;
    if (message.part !== true) this.#answered = true;
    if (message.error !== undefined) return this.fail(toError());
    if (message.part === true && this.#parts.length >= STREAM_WINDOW) {
      // More than it was granted: its consumer would hold them all.
      return this.fail(
        new FrameError(
          `Streamed request "${this.action}" to ${
            describe(this.target)
          } failed: it sent more parts than it was granted`,
          { action: this.action, peer: this.target },
        ),
      );
    }
    if (message.part === true || message.data !== undefined) this.#parts.push(message.data);
    if (message.part !== true) {
      this.#ended = true;
      this.#finished();
    }
    this.#wake();
  }

  /** Fails the stream: the consumer's next step rejects with `error`. */
  fail(error: unknown): void {
    if (this.finished) return;
    this.#failed = true;
    this.#error = error;
    this.#finished();
    this.#wake();
  }

  /**
   * The next part, once it is here; the end once the responder said so.
   *
   * @param timeout How long to wait for it, in ms: past it, it rejects with
   * {@linkcode TIMED_OUT}, for the caller to make the `TimeoutError` where
   * its stack shows who asked.
   * @param signal Gives up on it when aborted, with the signal's reason.
   */
  async next(timeout: number, signal?: AbortSignal): Promise<StreamStep> {
    if (signal?.aborted) throw signal.reason;
    while (this.#parts.length === 0 && !this.finished) {
      const waiter = Promise.withResolvers<void>();
      this.#waiter = waiter;
      // Past the timers' range (Infinity included), it waits without one.
      const timer = timeout <= MAX_TIMER_DELAY
        ? this.#clock.setTimeout(() => waiter.reject(TIMED_OUT), timeout)
        : undefined;
      const abort = () => waiter.reject(signal!.reason);
      signal?.addEventListener("abort", abort, { once: true });
      try {
        await waiter.promise;
      } finally {
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
        this.#waiter = undefined;
      }
    }
    if (this.#parts.length > 0) return { done: false, value: this.#parts.shift() };
    if (this.#failed) throw this.#error;
    return { done: true, value: undefined };
  }

  #wake(): void {
    this.#waiter?.resolve();
  }

  #finished(): void {
    this.#onFinished?.();
    this.#onFinished = undefined;
  }
}

/** How many streams left early are remembered, for what of them still comes. */
const LEFT_KEPT = 1024;

/** The streamed requests of one process, by messageId. */
export class StreamRequests {
  readonly #entries = new Map<string, StreamEntry>();
  /**
   * Streams their consumer left before they ended, by messageId, oldest
   * first, at most {@linkcode LEFT_KEPT}: what of them was on its way
   * still comes, and is nobody's (not the listeners', not a schema's).
   */
  readonly #left = new Map<string, { target: Address; action: string }>();
  /** Streams open and not finished, by target: what each is still answering. */
  readonly #answering = new Map<Address, number>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** How many streams are open. */
  get size(): number {
    return this.#entries.size;
  }

  /** How many streams `target` is still answering. */
  openTo(target: Address): number {
    return this.#answering.get(target) ?? 0;
  }

  /** Opens the stream of the request sent with `messageId` to `target`. */
  open(messageId: string, action: string, target: Address): StreamEntry {
    const entry = new StreamEntry(this.#clock, action, target, () => this.#uncount(target));
    this.#entries.set(messageId, entry);
    this.#answering.set(target, this.openTo(target) + 1);
    return entry;
  }

  /**
   * The consumer is done with it. (Once out of the table, an entry never
   * finishes: only the table's messages and failures finish one.) Unless
   * its responder sent its final response, or it was `refused`, what of it
   * still comes is dropped ({@linkcode StreamRequests.leftEarly}): also
   * after it failed here (a part that failed a schema, parts over the
   * window), as its responder goes on until the `$cancel` reaches it.
   */
  close(messageId: string, refused = false): void {
    const entry = this.#entries.get(messageId);
    this.#entries.delete(messageId);
    if (!entry || entry.answered) return;
    if (!entry.finished) this.#uncount(entry.target);
    // Refused before anything of it ran (it goes again, by the same id): nothing more comes.
    if (refused) return;
    this.#left.set(messageId, { target: entry.target, action: entry.action });
    if (this.#left.size > LEFT_KEPT) this.#left.delete(this.#left.keys().next().value!);
  }

  /**
   * Whether `message` is a part or the end of a stream its consumer left:
   * it is dropped. Its end (a response that is no part) is the last.
   */
  leftEarly(
    message: WireMessage,
    from: Address,
    responseAction: (action: string) => string,
  ): boolean {
    if (this.#left.size === 0 || message.re !== true || message.messageId === undefined) {
      return false;
    }
    const left = this.#left.get(message.messageId);
    if (!left || left.target !== from || responseAction(left.action) !== message.action) {
      return false;
    }
    if (message.part !== true) this.#left.delete(message.messageId);
    return true;
  }

  /** A stream finished, or its consumer let go of it first: `target` answers it no more. */
  #uncount(target: Address): void {
    const answering = this.openTo(target) - 1;
    if (answering > 0) this.#answering.set(target, answering);
    else this.#answering.delete(target);
  }

  /**
   * Takes `message` if it belongs to an open stream: a response from the
   * stream's target, of its response action, with its messageId.
   *
   * @returns Whether it was taken.
   */
  answer(
    message: WireMessage,
    from: Address,
    responseAction: (action: string) => string,
    toError: (entry: StreamEntry) => unknown,
  ): boolean {
    const entry = this.#find(message, from, responseAction);
    if (entry === undefined) return false;
    entry.take(message, () => toError(entry));
    return true;
  }

  /** Whether `message` is a part or the end of a stream open here. */
  awaits(message: WireMessage, from: Address, responseAction: (action: string) => string): boolean {
    return this.#find(message, from, responseAction) !== undefined;
  }

  #find(
    message: WireMessage,
    from: Address,
    responseAction: (action: string) => string,
  ): StreamEntry | undefined {
    if (message.re !== true || message.messageId === undefined) return undefined;
    const entry = this.#entries.get(message.messageId);
    if (!entry || entry.target !== from || responseAction(entry.action) !== message.action) {
      return undefined;
    }
    return entry;
  }

  /** Fails the streams from `target`, each with what `error` makes of it; none, undefined. */
  failTarget(target: Address, error: (entry: StreamEntry) => unknown): void {
    for (const entry of this.#entries.values()) {
      if (entry.target !== target) continue;
      const failure = error(entry);
      if (failure !== undefined) entry.fail(failure);
    }
  }

  /** Fails every stream: this process is closing. */
  failAll(error: (entry: StreamEntry) => Error): void {
    for (const entry of this.#entries.values()) entry.fail(error(entry));
  }
}
