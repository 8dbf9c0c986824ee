/**
 * Request correlation: each open request waits here, under its messageId,
 * for the response that carries the same id. Every way out (answer, error,
 * timeout, abort, peer gone, close) goes through one `settle`, which also
 * removes the abort listener, so nothing is ever left pending.
 *
 * Timeouts share one timer, armed for the earliest deadline and left armed
 * when requests settle: a request costs no timer operation of its own, and
 * when the timer fires it expires what is due and re-arms for what is not.
 *
 * @module
 */

import { responseAction } from "./action.ts";
import { type Address, describe } from "./address.ts";
import { type Clock, MAX_TIMER_DELAY, SYSTEM_CLOCK } from "./clock.ts";
import type { WireMessage } from "./codec.ts";
import {
  ClosedError,
  NoHandlerError,
  RemoteError,
  UnreachableError,
  ValidationError,
} from "./errors.ts";

/**
 * What a timed-out request rejects with. The caller turns it into a
 * `TimeoutError` in its own async context, so that the error's stack shows
 * who asked, without paying for a stack on every request.
 */
export const TIMED_OUT: unique symbol = Symbol("timed out");

/**
 * What a request that timed out rejects with instead of
 * {@linkcode TIMED_OUT} when its target sent a message with its messageId
 * under another action meanwhile: most likely its answer, misnamed, which
 * the error then names.
 */
export class TimedOutMisnamed {
  /** @param action The action the target sent with the request's messageId. */
  constructor(readonly action: string) {}
}

/**
 * What a request that never ran where it went rejects with: a stopping
 * process refused it, or the connection to it closed before it opened.
 * The caller may send it elsewhere, with the request's data the refusal
 * carried back (when there is none, its own), for the time it had left.
 */
export class Refusal {
  /**
   * @param error The error to give the caller if it goes nowhere else.
   * @param from Who refused it, or was never reached.
   * @param data The request's data, as it was sent; undefined when not carried back.
   * @param timeLeft The ms left of the request's timeout.
   * @param stopping True when `from` refused it because it is stopping
   * alone; false when it was not reached.
   */
  constructor(
    readonly error: Error,
    readonly from: Address,
    readonly data: unknown,
    readonly timeLeft: number,
    readonly stopping = false,
  ) {}

  /** The data to send again: what the refusal carried back, else the caller's `own`. */
  resend(own: unknown): unknown {
    return this.data === undefined ? own : this.data;
  }
}

/**
 * What became of a request sent to a peer that is gone: it "reached" it,
 * or may have (it fails); it never did, and never will ("undelivered": a
 * {@linkcode Refusal}, to send elsewhere); or it is still on its way, and
 * answered on its own ("kept").
 */
export type Fate = "reached" | "undelivered" | "kept";

/** What a request needs while it waits. */
export interface RequestSpec {
  /** The request action. */
  action: string;
  /** The response action that answers it. */
  responseAction: string;
  /** Who was asked. */
  target: Address;
  /** How long to wait, in ms; `Infinity` waits until answered or closed. */
  timeout: number;
  /** Cancels the wait with the signal's reason. */
  signal?: AbortSignal;
  /**
   * How many payloads the endpoint had taken for `target` once this was
   * sent, itself included (see `Endpoint.sent`): where it stands among
   * them, should the last of them prove never to have come.
   */
  sent?: number;
  /**
   * The `messageId` the request's data carries of its own, if any: an
   * answer written by hand, as imi's are, may echo that one instead.
   */
  dataId?: string;
}

interface Entry extends RequestSpec {
  resolve(data: unknown): void;
  reject(error: unknown): void;
  /** When it times out, on the clock's time. */
  deadline: number;
  /** The action of a message from the target with this messageId that was not its answer. */
  misnamed?: string;
  onAbort?: () => void;
}

/** The open requests of one process. */
export class PendingRequests {
  readonly #entries = new Map<string, Entry>();
  /**
   * Open requests by the `messageId` their data carried (see
   * `RequestSpec.dataId`), in the order they were opened: an echo answers
   * the first of them that is to its sender, under its action.
   */
  readonly #byDataId = new Map<string, string[]>();
  /** How many are open to each target. */
  readonly #openTo = new Map<Address, number>();
  readonly #clock: Clock;
  #timer: unknown;
  /** When the armed timer fires; Infinity when none is armed. */
  #timerAt = Infinity;

  /** @param clock Time and timers (default: the machine's); tests pass their own. */
  constructor(clock: Clock = SYSTEM_CLOCK) {
    this.#clock = clock;
  }

  /** How many requests wait for an answer. */
  get size(): number {
    return this.#entries.size;
  }

  /** How many requests wait for an answer from `target`. */
  openTo(target: Address): number {
    return this.#openTo.get(target) ?? 0;
  }

  /**
   * Waits for the answer to the request sent with `messageId`.
   *
   * @returns The data of the response.
   */
  open(messageId: string, spec: RequestSpec): Promise<unknown> {
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const deadline = this.#clock.now() + spec.timeout;
    const entry: Entry = {
      action: spec.action,
      responseAction: spec.responseAction,
      target: spec.target,
      timeout: spec.timeout,
      signal: spec.signal,
      sent: spec.sent,
      dataId: spec.dataId,
      resolve,
      reject,
      deadline,
      onAbort: undefined,
    };
    this.#entries.set(messageId, entry);
    if (spec.dataId !== undefined) {
      const carrying = this.#byDataId.get(spec.dataId);
      if (carrying) carrying.push(messageId);
      else this.#byDataId.set(spec.dataId, [messageId]);
    }
    this.#openTo.set(spec.target, this.openTo(spec.target) + 1);
    if (deadline < this.#timerAt) this.#arm(deadline);
    if (spec.signal) {
      const signal = spec.signal;
      entry.onAbort = () => this.#settle(messageId, entry, signal.reason);
      signal.addEventListener("abort", entry.onAbort, { once: true });
    }
    return promise;
  }

  /**
   * The request `message` answers, if any: a message from the request's
   * target, of the response action, whose messageId (or `data.messageId`,
   * for responses written by hand) names the request; or, written by hand,
   * whose `data.messageId` is the one the request's data carried.
   *
   * @returns The request's messageId.
   */
  answered(message: WireMessage, from: Address): string | undefined {
    const messageId = message.messageId ?? messageIdInData(message.data);
    if (messageId === undefined) return undefined;
    const entry = this.#entries.get(messageId);
    if (entry?.target === from && entry.responseAction === message.action) return messageId;
    if (message.messageId === undefined) {
      const carrying = this.#byDataId.get(messageId)?.find((id) => {
        const entry = this.#entries.get(id);
        return entry?.target === from && entry.responseAction === message.action;
      });
      if (carrying !== undefined) return carrying;
    }
    if (!entry || entry.target !== from) return undefined;
    // Not its answer, though it carries its messageId: said if it times out.
    // (A request to itself comes back with it too: that is no answer at all.)
    const isRequest = message.messageId !== undefined && message.re !== true;
    if (!isRequest || message.action !== entry.action) entry.misnamed ??= message.action;
    return undefined;
  }

  /**
   * Settles the request `message` answers, if any, with its data or its
   * error.
   *
   * @param messageId The request, when {@linkcode PendingRequests.answered}
   * already found it.
   * @returns Whether a request was settled.
   */
  answer(
    message: WireMessage,
    from: Address,
    messageId: string | undefined = this.answered(message, from),
  ): boolean {
    const entry = messageId === undefined ? undefined : this.#entries.get(messageId);
    if (messageId === undefined || !entry) return false;
    if (message.error === undefined) this.#settle(messageId, entry, undefined, message.data);
    else {
      const failed = failedAnswer(entry.action, from, message, this.#timeLeft(entry));
      this.#settle(messageId, entry, failed);
    }
    return true;
  }

  /**
   * Rejects the requests waiting on `target`, each as `fate` says of it by
   * its place among the payloads its endpoint took for `target` (see
   * {@linkcode Fate}; all "reached", by default), with the error `reason`
   * makes.
   */
  failTarget(
    target: Address,
    reason: (spec: RequestSpec, undelivered: boolean) => Error,
    fate: (sent: number) => Fate = () => "reached",
  ): void {
    for (const [messageId, entry] of this.#entries) {
      if (entry.target !== target) continue;
      const how = fate(entry.sent ?? 0);
      if (how === "kept") continue;
      const undelivered = how === "undelivered";
      const error = reason(entry, undelivered);
      const failed = undelivered
        ? new Refusal(error, target, undefined, this.#timeLeft(entry))
        : error;
      this.#settle(messageId, entry, failed);
    }
  }

  /** Rejects every open request, with the error `reason` makes. */
  failAll(reason: (spec: RequestSpec) => Error): void {
    for (const [messageId, entry] of this.#entries) {
      this.#settle(messageId, entry, reason(entry));
    }
  }

  /** Stops the timer; for when the owner closes, after `failAll`. */
  close(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /** The ms `entry` has left before it times out. */
  #timeLeft(entry: Entry): number {
    return Math.max(0, entry.deadline - this.#clock.now());
  }

  #arm(at: number): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    const delay = Math.min(MAX_TIMER_DELAY, Math.max(0, Math.ceil(at - this.#clock.now())));
    this.#timer = this.#clock.setTimeout(() => this.#expire(), delay);
  }

  #expire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    let next = Infinity;
    const due: [string, Entry][] = [];
    for (const [messageId, entry] of this.#entries) {
      if (entry.deadline <= now) due.push([messageId, entry]);
      else if (entry.deadline < next) next = entry.deadline;
    }
    // A timer that fired late (a busy process) finds several due at once:
    // they time out in the order of their deadlines, not of their requests.
    due.sort(([, a], [, b]) => a.deadline - b.deadline);
    for (const [messageId, entry] of due) {
      const reason = entry.misnamed === undefined
        ? TIMED_OUT
        : new TimedOutMisnamed(entry.misnamed);
      this.#settle(messageId, entry, reason);
    }
    if (next < Infinity) this.#arm(next);
  }

  #settle(messageId: string, entry: Entry, error: unknown, data?: unknown): void {
    if (this.#entries.get(messageId) !== entry) return;
    this.#entries.delete(messageId);
    const carrying = entry.dataId === undefined ? undefined : this.#byDataId.get(entry.dataId);
    if (carrying) {
      const at = carrying.indexOf(messageId);
      if (at >= 0) carrying.splice(at, 1);
      if (carrying.length === 0) this.#byDataId.delete(entry.dataId!);
    }
    const open = this.openTo(entry.target) - 1;
    if (open > 0) this.#openTo.set(entry.target, open);
    else this.#openTo.delete(entry.target);
    if (entry.onAbort) entry.signal!.removeEventListener("abort", entry.onAbort);
    if (error === undefined) entry.resolve(data);
    else entry.reject(error);
  }
}

/**
 * What a failed answer to a request of `action` from `from` rejects it
 * with: a {@linkcode Refusal} when `from` is stopping, else an error.
 *
 * @param timeLeft The ms the request has left, for a refusal.
 */
export function failedAnswer(
  action: string,
  from: Address,
  message: WireMessage,
  timeLeft: number,
): Error | Refusal {
  const error = answerError(action, from, message.error!);
  if (message.error!.stopping === true) {
    return new Refusal(error, from, message.data, timeLeft, true);
  }
  // Never reached `from`: to `ANY` it goes to another worker; by id it fails.
  if (message.error!.undelivered === true) return new Refusal(error, from, message.data, timeLeft);
  return error;
}

/** The error of a request `from` refused because it is stopping alone. */
export function refusedError(action: string, from: Address): ClosedError {
  return new ClosedError(
    `Request "${action}" to ${describe(from)} was refused: ${describe(from)} is stopping`,
    { action, peer: from },
  );
}

/** The error a failed answer to a request of `action` from `from` rejects it with. */
export function answerError(
  action: string,
  from: Address,
  error: NonNullable<WireMessage["error"]>,
): Error {
  if (error.stopping === true) return refusedError(action, from);
  if (error.undelivered === true) {
    return new UnreachableError(
      `Request "${action}" to ${describe(from)} failed: it was not delivered (${error.message})`,
      { action, peer: from },
    );
  }
  // Switchboard's own "nobody listens" carries no stack; an error a handler
  // threw under that name (its own request's, say) has one: a RemoteError.
  if (error.name === NoHandlerError.name && error.stack === undefined) {
    return new NoHandlerError(
      `Request "${action}" to ${describe(from)} failed: it has no handler for "${action}"`,
      { action, peer: from },
    );
  }
  // Switchboard's own, which names the action whose schema failed: the
  // request's (its data) or its response's (its answer). An error a handler
  // threw that happens to share the name is a RemoteError, as is one of its
  // own requests' (another action's schema), as for "NoHandlerError".
  const schema = error.schema;
  if (
    error.name === ValidationError.name &&
    (schema === action || (schema !== undefined && schema === responseAction(action)))
  ) {
    return new ValidationError(
      `Request "${action}" to ${describe(from)} failed: ${error.message}`,
      schema,
      error.issues ?? [],
      { peer: from },
    );
  }
  // An error cut short to fit a frame has an empty stack: it had one, not sent.
  const remote = error.stack === "" ? { name: error.name, message: error.message } : error;
  return new RemoteError(
    `Request "${action}" to ${describe(from)} failed: ${error.name}: ${error.message}`,
    remote,
    { action, peer: from },
  );
}

/** The `messageId` string in `data`, if it is an object that has one. */
export function messageIdInData(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const messageId = (data as { messageId?: unknown }).messageId;
  return typeof messageId === "string" ? messageId : undefined;
}
