/**
 * The asking side of a process: requests, streamed requests and gathering
 * answers from many. It sends each through the outbox and waits for its
 * answer in `PendingRequests` or `StreamRequests`, which the router fills
 * as answers arrive. A request to `ANY` that a stopping worker refused (it
 * carries the request's data back) goes to another worker; `ANY` passes
 * over `LeavingWorkers`. One that cannot go anywhere while what it is for
 * is being replaced waits for the new process (`replacement_wait.ts`).
 *
 * @module
 */

import {
  type Address,
  ANY,
  describe,
  describeTarget,
  isAddress,
  isManagerOf,
  MANAGER,
  targetsOf,
} from "./address.ts";
import { assertUserAction, responseAction } from "./action.ts";
import { type Clock, SYSTEM_CLOCK } from "./clock.ts";
import {
  decodeMessage,
  encodeData,
  type EncodedData,
  encodeMessage,
  toBytes,
  type WireMessage,
} from "./codec.ts";
import { CANCEL, MORE } from "./control.ts";
import { ClosedError, TimeoutError, UnreachableError } from "./errors.ts";
import type { SiblingNews } from "./held_for_siblings.ts";
import { LeavingWorkers } from "./leaving_workers.ts";
import type { Outbox } from "./outbox.ts";
import { fateOf } from "./fate.ts";
import { checkOptionNames, type OptionNames } from "./option_names.ts";
import { counted } from "./counted.ts";
import {
  failedAnswer,
  messageIdInData,
  PendingRequests,
  Refusal,
  refusedError,
  TIMED_OUT,
  TimedOutMisnamed,
} from "./pending.ts";
import { copyPayload } from "./payload_pieces.ts";
import { randomBase64url } from "./random.ts";
import { type Asker, awaitReplacement, type CheckedRequest, NotSent } from "./replacement_wait.ts";
import { Replacements } from "./replacements.ts";
import type { Schemas } from "./schema.ts";
import { STREAM_WINDOW, StreamRequests, type StreamStep } from "./streams.ts";
import type { LastSent, Payload } from "./transport.ts";
import type { LifecycleEvent, RequestAllOptions, RequestOptions, Settled } from "./types.ts";
import { checkOutgoing } from "./validation.ts";
import { shown } from "./shown.ts";

const REQUEST_OPTIONS = {
  to: true,
  timeout: true,
  signal: true,
} satisfies OptionNames<RequestOptions>;

/** The same names: `to` is one target there, several here. */
const REQUEST_ALL_OPTIONS = REQUEST_OPTIONS satisfies OptionNames<RequestAllOptions>;

/** What a requester needs of the process it asks for. */
export interface RequesterOptions {
  /** This process's address. */
  self: Address;
  /** The way out. */
  outbox: Outbox;
  /** The largest message to send. */
  maxFrameSize: number;
  /** The default request timeout, in ms. */
  requestTimeout: number;
  /** Schemas by action, for the data sent. */
  schemas?: Schemas;
  /** Time and timers for request timeouts (default: the machine's). */
  clock?: Clock;
  /** Why no request may be made now, if none may: the process closed, or is stopping. */
  refusal(): "closed" | "is stopping" | undefined;
  /** Sends a control frame (`$cancel`, `$more`) to one peer; whether the transport took it. */
  sendControl(to: Address, action: string, data?: unknown): boolean;
  /** In a child: see `ManagerSync`. */
  syncWithManager?(about: Address): Promise<void>;
}

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

/** One process's requests. */
export class Requester {
  /** The requests waiting for their answer. */
  readonly pending: PendingRequests;
  /** The streamed requests waiting for their parts. */
  readonly streams: StreamRequests;
  /** The workers `ANY` tries last. */
  readonly leaving: LeavingWorkers = new LeavingWorkers();
  /** The processes a request by id or name waits for. */
  readonly replacements: Replacements;
  readonly #options: RequesterOptions;
  readonly #asker: Asker;
  /**
   * Processes last heard to have exited or been given up (a crash is no
   * replacement), with how they ended when an event said: the cause of a
   * refusal to reach one, so that a log says why it is not connected.
   */
  readonly #down = new Map<Address, string | undefined>();
  /**
   * Makes messageIds unique across the cluster without coordination; made
   * on first use, as the random source costs a new process time to start.
   */
  #idPrefix: string | undefined;
  #nextId = 0;
  /**
   * The messageId the data of the request being encoded carries as it
   * goes (what its toJSON gave, say): what a responder finds there, to
   * echo. Told by `encodeMessage` through one callback made once, not one
   * per request.
   */
  #dataId: string | undefined;
  readonly #noteDataId = (sent: unknown) => {
    this.#dataId = messageIdInData(sent);
  };
  /** Streams whose iterator may be let go of before they end; see {@linkcode Requester.requestStream}. */
  readonly #abandonedStreams = new FinalizationRegistry<OpenStream>((open) =>
    this.#abandoned(open)
  );

  constructor(options: RequesterOptions) {
    this.#options = options;
    this.replacements = new Replacements((address) => options.outbox.layout.has(address));
    const { replacements } = this;
    // What a wait for a replacement sees of this process: the layout as it is now.
    this.#asker = {
      self: options.self,
      replacements,
      get layout() {
        return options.outbox.layout;
      },
      clock: options.clock,
      refusal: () => options.refusal(),
      syncWithManager: options.syncWithManager,
      heardDown: (address) => this.#down.has(address),
      mayBeStarting: (address) => options.outbox.siblings?.mayBeStarting(address) ?? false,
    };
    this.pending = new PendingRequests(options.clock);
    this.streams = new StreamRequests(options.clock ?? SYSTEM_CLOCK);
  }

  /**
   * Sends a request and resolves with the data of its response. A request
   * to `ANY` that a stopping worker refused goes to another.
   */
  async request(action: string, data: unknown, options: RequestOptions): Promise<unknown> {
    const checked = this.#checkRequest(action, options);
    if (this.#options.schemas) checkOutgoing(this.#options.schemas, action, data, checked.to);
    return await this.#requestChecked(action, data, checked);
  }

  /** One of `requestAll()`'s requests: its data checked and encoded already, its options not. */
  async #requestOneOfAll(
    action: string,
    data: EncodedData | undefined,
    options: RequestOptions,
  ): Promise<unknown> {
    return await this.#requestChecked(action, data, this.#checkRequest(action, options));
  }

  /** A checked request, sent (again, after a refusal or a wait) until it is answered or fails. */
  async #requestChecked(action: string, data: unknown, checked: CheckedRequest): Promise<unknown> {
    const messageId = this.#newMessageId();
    let timeout = checked.timeout;
    let refusedBy: Address[] | undefined;
    while (true) {
      try {
        return await this.#ask(action, messageId, data, timeout, checked, refusedBy);
      } catch (error) {
        if (!(error instanceof Refusal || error instanceof NotSent)) throw error;
        this.#learnFrom(error);
        if (error instanceof Refusal && checked.to === ANY) {
          refusedBy = this.#refusedBy(error, checked, refusedBy);
          timeout = error.timeLeft;
        } else {
          timeout = await awaitReplacement(this.#asker, error, "Request", action, checked, timeout);
          // A worker back is asked again; those still being replaced are not.
          refusedBy = refusedBy?.filter((worker) => this.replacements.has(worker));
        }
        if (error instanceof Refusal) data = error.resend(data);
        else if (error.data !== undefined) data = error.data;
      }
    }
  }

  /**
   * Who a refusal says is leaving and being replaced: one that refused as
   * it stops alone. One that was not reached (another host could not hand
   * it over: its window was full, say) says nothing of the process, which
   * `ANY` would otherwise try last until a `ready` event that never comes.
   */
  #learnFrom(failure: Refusal | NotSent): void {
    // A manager refuses as its host stops, and is never replaced: its refusal is final.
    if (!(failure instanceof Refusal) || failure.from === MANAGER || isManagerOf(failure.from)) {
      return;
    }
    if (!failure.stopping) return;
    this.leaving.leaves(failure.from);
    this.replacements.leaves(failure.from);
  }

  /**
   * After a failed attempt at a request to `ANY`: the workers that refused
   * it so far, to send it to another.
   *
   * @throws Its signal's reason, when it aborted.
   */
  #refusedBy(failure: Refusal, checked: CheckedRequest, refusedBy?: Address[]): Address[] {
    if (checked.signal?.aborted) throw checked.signal.reason;
    return [...refusedBy ?? [], failure.from];
  }

  /**
   * One attempt at a request: sent, to a worker not in `skip` for `ANY`,
   * and its answer awaited for `timeout` (what is left of the timeout
   * asked for).
   */
  async #ask(
    action: string,
    messageId: string,
    data: unknown,
    timeout: number,
    { to, timeout: asked, signal }: CheckedRequest,
    skip: readonly Address[] | undefined,
  ): Promise<unknown> {
    // Aborted while it waited for a new process, as the wait ended (by a
    // listener of the same "ready"): not sent, as if it had never waited.
    if (signal?.aborted) throw signal.reason;
    // The timeout travels with the request: the handler's signal aborts when it passes.
    const wire = Number.isFinite(timeout)
      ? { action, data, messageId, timeout }
      : { action, data, messageId };
    this.#dataId = undefined;
    const payload = encodeMessage(wire, this.#options.maxFrameSize, to, this.#noteDataId);
    // Aborted as it was encoded (the caller's `toJSON` or getter ran): not
    // sent, and not awaited, as the abort it would listen for is past.
    if (signal?.aborted) throw signal.reason;
    const dataId = this.#dataId;
    let target: Address;
    try {
      target = this.#sendRequest(payload, action, to, skip);
    } catch (error) {
      // Sent later, after a wait: the data as it was now, not what the
      // caller's objects and arrays become meanwhile.
      if (error instanceof NotSent) {
        // Decoding copies what it keeps: the encoding's shared buffer may be read in place.
        error.data = decodeMessage(toBytes(payload), "this process").data;
      }
      throw error;
    }
    // Opened after sending: the answer comes in a later task at the earliest.
    const answer = this.pending.open(messageId, {
      action,
      responseAction: responseAction(action),
      target,
      timeout,
      signal,
      sent: this.#options.outbox.sent(target),
      dataId,
    });
    // Aborted, the request is failed here first (the table listens before
    // this), and the target told, so that its handler's signal aborts too.
    const cancel = () => this.#options.sendControl(target, CANCEL, { messageId });
    signal?.addEventListener("abort", cancel, { once: true });
    try {
      return await answer;
    } catch (error) {
      // Made here, after the await, so that its stack shows who asked.
      if (error === TIMED_OUT || error instanceof TimedOutMisnamed) {
        const misnamed = error === TIMED_OUT ? "" : `; it sent "${error.action}" with this ` +
          `request's messageId meanwhile, but an answer must be "${responseAction(action)}"`;
        throw new TimeoutError(
          `Request "${action}" to ${describe(target)} timed out after ${asked} ms${misnamed}`,
          { action, peer: target },
        );
      }
      throw error;
    } finally {
      signal?.removeEventListener("abort", cancel);
    }
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
      checked = this.#checkRequest(action, options);
      if (this.#options.schemas) checkOutgoing(this.#options.schemas, action, data, checked.to);
      messageId = this.#newMessageId();
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
    this.streams.close(open.messageId);
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
      awaitReplacement(this.#asker, failure, "Streamed request", action, checked, timeout);
    // The request as encoded at the call, each time it goes: a refusal
    // carries back what it holds, the data as it was then. Kept until
    // something of the answer came (a refusal comes before), and no longer:
    // it may be as large as a frame.
    const send = async (payload: Payload) => {
      while (true) {
        // Aborted as a wait for a new process ended: not sent (see #ask).
        if (signal?.aborted) throw signal.reason;
        try {
          open.target = this.#sendRequest(payload, action, to, refusedBy);
          const entry = this.streams.open(messageId, action, open.target);
          entry.sent = this.#options.outbox.sent(open.target);
          return entry;
        } catch (error) {
          // Nowhere to go while what it is for is being replaced: once it is back.
          if (!(error instanceof NotSent)) throw error;
          await awaitNew(error);
          refusedBy = refusedBy?.filter((worker) => this.replacements.has(worker));
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
          this.#learnFrom(error);
          this.streams.close(messageId, true);
          if (to === ANY) refusedBy = this.#refusedBy(error, checked, refusedBy);
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
      this.streams.close(messageId);
      // Given up before its responder was done (a break, a timeout, an
      // abort, a part that failed its schema or came unasked): the
      // handler stops too.
      cancel();
    }
  }

  /** The target, timeout and signal of a request, checked. */
  #checkRequest(action: string, options: RequestOptions): CheckedRequest {
    assertUserAction(action);
    // Ignored, a misspelt `timout` would leave the default in force unnoticed.
    if (options) checkOptionNames(options, REQUEST_OPTIONS, `Request "${action}"`);
    const timeout = options?.timeout ?? this.#options.requestTimeout;
    if (options?.to === undefined) {
      throw new TypeError(`Request "${action}" needs a target: pass { to }`);
    }
    const { to, signal } = options;
    if (Array.isArray(to)) {
      throw new TypeError(`Request "${action}" takes one target; use requestAll() for several`);
    }
    if (!isAddress(to) && to !== ANY) targetsOf(to, action);
    checkTimeout(action, timeout);
    checkSignal(action, signal);
    if (signal?.aborted) throw signal.reason;
    const refusal = this.#options.refusal();
    if (refusal !== undefined) throw this.#closedError(action, to, undefined, refusal);
    return { to, timeout, signal };
  }

  #newMessageId(): string {
    const messageId = this.#messageIdAhead(0);
    this.#nextId++;
    return messageId;
  }

  /** The messageId of the request `ahead` requests from now (0: the next one). */
  #messageIdAhead(ahead: number): string {
    this.#idPrefix ??= `${randomBase64url(6)}.`;
    return `${this.#idPrefix}${(this.#nextId + ahead).toString(36)}`;
  }

  /**
   * Sends a request's payload to `to`, or for `ANY` to the worker it picks,
   * passing over those in `skip`, which refused it.
   *
   * @returns Who it went to.
   * @throws {NotSent} With an `UnreachableError` when it cannot go
   * anywhere, or a `ClosedError` when every worker up refused it, stopping.
   */
  #sendRequest(
    payload: Payload,
    action: string,
    to: Address | typeof ANY,
    skip?: readonly Address[],
  ): Address {
    if (to !== ANY) {
      // It said it refuses from now on: sent, it could arrive after it closed.
      if (this.replacements.refusing(to)) throw new NotSent(refusedError(action, to));
      if (this.#options.outbox.sendNow(to, payload, action) < 0) {
        throw new NotSent(this.#unreachable(action, to));
      }
      return to;
    }
    // Those that said they refuse from now on are passed over too: sent
    // one, a request could arrive after it closed. With no other worker up,
    // it waits for their replacements.
    const refusing = this.replacements.refusingAny
      ? this.#options.outbox.layout.workerIds.filter((w) => this.replacements.refusing(w))
      : [];
    const passed = refusing.length > 0 ? [...new Set([...skip ?? [], ...refusing])] : skip;
    const chosen = this.#options.outbox.sendToAny(payload, action, (w) => this.load(w), passed);
    if (chosen === undefined && passed !== undefined) {
      const refusers = passed.map(describe).join(", ");
      throw new NotSent(
        new ClosedError(
          `Request "${action}" to any worker was refused: ${refusers} ${
            passed.length === 1 ? "is" : "are"
          } stopping and no other worker is up`,
          { action },
        ),
      );
    }
    if (chosen === undefined) {
      throw new NotSent(
        new UnreachableError(
          `Request "${action}" to any worker failed: no worker is up (the cluster has ${this.#options.outbox.layout})`,
          { action },
        ),
      );
    }
    return chosen;
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
      const messageId = this.#messageIdAhead(Math.max(0, targets.length - 1));
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
        this.#requestOneOfAll(action, shared, { to, timeout, signal }).then(
          (data) => ({ from: to, data }),
          (error: unknown) => ({ from: to, error: settledError(action, to, error) }),
        )
      ),
    );
  }

  /** How `ANY` weighs a worker: by its open work, and one leaving after every other. */
  load(worker: Address): number {
    if (this.leaving.has(worker)) return Number.MAX_SAFE_INTEGER;
    return this.#openTo(worker);
  }

  /** Requests and streams a worker is still answering: what this process knows of its load. */
  #openTo(worker: Address): number {
    const streams = this.streams.size > 0 ? this.streams.openTo(worker) : 0;
    return this.pending.openTo(worker) + streams;
  }

  #unreachable(action: string, to: Address): UnreachableError {
    const { outbox } = this.#options;
    const cutOff = outbox.unreachableWhy(to);
    const why = outbox.leftWithItsHost(to)
      ? "it is not connected (its host left the cluster)"
      : !outbox.layout.has(to)
      ? `no such process (the cluster has ${outbox.layout})`
      : cutOff
      ? `it is not connected (${cutOff})`
      : "it is not connected";
    const ended = this.#down.get(to);
    return new UnreachableError(`Request "${action}" to ${describe(to)} failed: ${why}`, {
      action,
      peer: to,
      cause: ended === undefined ? undefined : new Error(ended),
    });
  }

  #closedError(
    action: string,
    to: Address | typeof ANY,
    reason: Error | undefined,
    why: "closed" | "is stopping" = "closed",
    what: "Request" | "Streamed request" = "Request",
  ): ClosedError {
    return new ClosedError(
      `${what} "${action}" to ${describeTarget(to)} was cancelled: ${
        describe(this.#options.self)
      } ${why}`,
      { action, peer: to === ANY ? undefined : to, cause: reason },
    );
  }

  /**
   * The connection to `peer` closed: what waits on it fails, as it may
   * have run, unless `last` says more of the last payloads sent it: what
   * never reached it did not run there (a request to `ANY` goes to another
   * worker, one by id fails saying so), and what is still on its way, or
   * not yet seen by the relay between, stays, answered on its own. Or it
   * did not close, and one message to it was refused: see `isOneRefused`.
   */
  gone(peer: Address, reason: Error | undefined, last: LastSent = {}): void {
    const { undelivered = 0 } = last;
    const never = undelivered === Infinity;
    const fate = fateOf(this.#options.outbox.sent(peer), last);
    // Only a leaving host's bye counts what never came: `peer` left with it.
    // A request for it by id fails then, rather than be sent again, and
    // refused, while this process has not heard it left.
    if (!never && undelivered > 0 && !this.#down.has(peer)) this.#down.set(peer, undefined);
    const why = (notReached: boolean, cut: string) =>
      !notReached ? cut : never ? "the connection to it did not open" : "it was not delivered";
    // What it streams may be broken by one refused message (a `$more`), and fails below.
    if (!isOneRefused(last)) {
      this.pending.failTarget(
        peer,
        (spec, notReached) =>
          new UnreachableError(
            `Request "${spec.action}" to ${describe(peer)} failed: ${
              why(notReached, "the connection closed before it answered")
            }`,
            { action: spec.action, peer, cause: reason },
          ),
        fate,
      );
    }
    this.streams.failTarget(peer, (entry) => {
      const how = fate(entry.sent);
      if (how === "kept") return undefined;
      const notReached = how === "undelivered";
      const error = new UnreachableError(
        `Streamed request "${entry.action}" to ${describe(peer)} failed: ${
          why(notReached, "the connection closed before it ended")
        }`,
        { action: entry.action, peer, cause: reason },
      );
      // Nothing of it came, or it could not have: to another worker.
      return notReached ? new Refusal(error, peer, undefined, Infinity) : error;
    });
  }

  /** Learns from a lifecycle event who leaves, who is being replaced, and who is back. */
  heard(event: LifecycleEvent): void {
    this.leaving.heard(event);
    this.replacements.heard(event);
    if (event.type === "exit" || event.type === "fatal") {
      this.#down.set(event.address, ended(event));
    }
    if (event.type === "ready") this.#down.delete(event.address);
  }

  /**
   * Asks the manager about `sibling` (its answer waits until it listens,
   * if it starts with the cluster) and, if it is being replaced, waits for
   * its new process to be ready, so that what waits for it is not lost with
   * a new process that dies as it sets up (see {@linkcode SiblingNews}):
   * "ready" too when its new process was ready before the manager answered
   * (it is up, as last heard).
   */
  async siblingNews(sibling: Address): Promise<SiblingNews> {
    await this.#options.syncWithManager?.(sibling);
    if (!this.replacements.has(sibling)) {
      // Up, as last heard (its new process was ready before the manager
      // answered), unless the cluster stops: no process is replaced then.
      const up = !this.replacements.ended && !this.#down.has(sibling);
      return up ? "ready" : "answered";
    }
    const clock = this.#options.clock ?? SYSTEM_CLOCK;
    const how = await this.replacements.news([sibling], Infinity, { clock });
    return how === "ready" ? "ready" : "gone";
  }

  /** `peer` said it is leaving (it stops alone, to be replaced). */
  leaves(peer: Address): void {
    this.leaving.leaves(peer);
    this.replacements.leaves(peer);
  }

  /** The process closes: every open request fails, with `reason` as the cause. */
  close(reason: Error | undefined): void {
    this.replacements.end();
    this.pending.failAll((spec) => this.#closedError(spec.action, spec.target, reason));
    this.pending.close();
    this.streams.failAll((entry) =>
      this.#closedError(entry.action, entry.target, reason, "closed", "Streamed request")
    );
  }

  /** Whether `message` is what still came of a stream its consumer left: nobody's. */
  leftEarly(message: WireMessage, from: Address): boolean {
    return this.streams.leftEarly(message, from, responseAction);
  }

  /** A part or the end of a streamed answer this process waits on; false if it is none. */
  takeStreamed(message: WireMessage, from: Address): boolean {
    return this.streams.answer(
      message,
      from,
      responseAction,
      // A stream's timeout is per part: a refusal has no time to pass on.
      (entry) => failedAnswer(entry.action, from, message, Infinity),
    );
  }
}

/**
 * Whether `last` says its peer is still there, and one message to it was
 * refused by the manager (a GONE frame, which says `seen`: the window to
 * its host full, say): that broke nothing a plain request waits on, and its
 * answer comes. (A link that closed while another to the peer is open,
 * maybe its next process's, says `there` without `seen`: what waits on it
 * fails, as it may be lost.)
 */
function isOneRefused(last: LastSent): boolean {
  return last.there === true && last.seen !== undefined && last.undelivered !== Infinity;
}

/** How a process ended, as its exit or give-up event says. */
function ended(event: LifecycleEvent & { type: "exit" | "fatal" }): string {
  const who = describe(event.address);
  if (event.type === "fatal") {
    // No restarts and no period: its reload could not be spawned, and it stays down.
    if (event.restarts === 0 && event.period === 0) {
      return `${who} could not be started again, and stays down`;
    }
    return `${who} was given up after ${
      counted(event.restarts, "restart")
    } within ${event.period} ms`;
  }
  const how = event.signal === null ? `with code ${event.code}` : `on signal ${event.signal}`;
  return `${who} exited ${how}, and ${event.restart ? "is being restarted" : "stays down"}`;
}

/**
 * Refuses a signal that is not an `AbortSignal` (an `AbortController`
 * passed by mistake, say): the open request would listen on it, and fail
 * as its answer came.
 */
function checkSignal(action: string, signal: unknown): void {
  if (signal != null && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `Request "${action}" has an invalid signal: ${shown(signal)} is not an AbortSignal ` +
        "(pass controller.signal)",
    );
  }
}

/** A stream that fails with `error` where it is read. */
// deno-lint-ignore require-yield
async function* failedStream(error: unknown): AsyncGenerator<unknown, void, undefined> {
  throw error;
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

/** Refuses a timeout that is not a number >= 0: its frame would be refused by every receiver. */
function checkTimeout(action: string, timeout: unknown): void {
  if (typeof timeout !== "number" || !(timeout >= 0)) {
    throw new TypeError(`Request "${action}" has an invalid timeout: ${shown(timeout)}`);
  }
}
