/**
 * The asking side of a process: requests, streamed requests and gathering
 * answers from many. It sends each through the outbox (`RequestSender`,
 * which both kinds share) and waits for its answer in `PendingRequests`,
 * or in `StreamRequests` for a streamed one (`StreamRequester`), which the
 * router fills as answers arrive; `RequestAll` asks many at once, each
 * target's request sent here. A request to `ANY` that a stopping worker
 * refused (it carries the request's data back) goes to another worker;
 * `ANY` passes over `LeavingWorkers`. One that cannot go anywhere while
 * what it is for is being replaced waits for the new process
 * (`replacement_wait.ts`).
 *
 * @module
 */

import { type Address, ANY, describe } from "./address.ts";
import { responseAction } from "./action.ts";
import { SYSTEM_CLOCK } from "./clock.ts";
import {
  decodeMessage,
  type EncodedData,
  encodeMessage,
  toBytes,
  type WireMessage,
} from "./codec.ts";
import { CANCEL } from "./control.ts";
import { TimeoutError, UnreachableError } from "./errors.ts";
import type { SiblingNews } from "./held_for_siblings.ts";
import type { LeavingWorkers } from "./leaving_workers.ts";
import { fateOf } from "./fate.ts";
import { counted } from "./counted.ts";
import {
  failedAnswer,
  messageIdInData,
  PendingRequests,
  Refusal,
  TIMED_OUT,
  TimedOutMisnamed,
} from "./pending.ts";
import { awaitReplacement, type CheckedRequest, NotSent } from "./replacement_wait.ts";
import type { Replacements } from "./replacements.ts";
import { refusersSoFar, type RequesterOptions, RequestSender } from "./request_sender.ts";
import { RequestAll } from "./request_all.ts";
import { StreamRequester } from "./stream_requester.ts";
import { StreamRequests } from "./streams.ts";
import type { LastSent } from "./transport.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";
import type { RequestAllOptions, RequestOptions, Settled } from "./request_types.ts";
import { checkOutgoing } from "./validation.ts";

/** One process's requests. */
export class Requester {
  /** The requests waiting for their answer. */
  readonly pending: PendingRequests;
  /** The streamed requests waiting for their parts. */
  readonly streams: StreamRequests;
  /** The workers `ANY` tries last. */
  readonly leaving: LeavingWorkers;
  /** The processes a request by id or name waits for. */
  readonly replacements: Replacements;
  readonly #options: RequesterOptions;
  readonly #sender: RequestSender;
  readonly #streamRequester: StreamRequester;
  readonly #requestAll: RequestAll;
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

  constructor(options: RequesterOptions) {
    this.#options = options;
    this.pending = new PendingRequests(options.clock);
    this.streams = new StreamRequests(options.clock ?? SYSTEM_CLOCK);
    this.#sender = new RequestSender(options, { pending: this.pending, streams: this.streams });
    this.leaving = this.#sender.leaving;
    this.replacements = this.#sender.replacements;
    this.#streamRequester = new StreamRequester(options, this.#sender, this.streams);
    this.#requestAll = new RequestAll(
      options,
      this.#sender,
      (action, data, encoded, options) => this.#requestOneOfAll(action, data, encoded, options),
    );
  }

  /**
   * Sends a request and resolves with the data of its response. A request
   * to `ANY` that a stopping worker refused goes to another.
   */
  async request(action: string, data: unknown, options: RequestOptions): Promise<unknown> {
    const checked = this.#sender.check(action, options);
    if (this.#options.schemas) checkOutgoing(this.#options.schemas, action, data, checked.to);
    return await this.#requestChecked(action, data, checked);
  }

  /**
   * One of `requestAll()`'s requests: its data checked, and encoded for the
   * first attempt (`encoded`: undefined when there is none to send), its
   * options not checked yet.
   */
  async #requestOneOfAll(
    action: string,
    data: unknown,
    encoded: EncodedData | undefined,
    options: RequestOptions,
  ): Promise<unknown> {
    const checked = this.#sender.check(action, options);
    return await this.#requestChecked(action, data, checked, encoded);
  }

  /**
   * A checked request, sent (again, after a refusal or a wait) until it is
   * answered or fails; the first time as `first` (`data` encoded at the
   * call, for many targets).
   */
  async #requestChecked(
    action: string,
    data: unknown,
    checked: CheckedRequest,
    first: unknown = data,
  ): Promise<unknown> {
    const messageId = this.#sender.newMessageId();
    let timeout = checked.timeout;
    let refusedBy: Address[] | undefined;
    // The first encoding goes once: sent again, a refusal that did not
    // carry the data back sends the caller's objects as they are then, as
    // request() does. (An encoding's bytes are the caller's own
    // `Uint8Array`s, which may have changed, or been transferred away.)
    let sent = first;
    while (true) {
      try {
        return await this.#ask(action, messageId, sent, timeout, checked, refusedBy);
      } catch (error) {
        if (!(error instanceof Refusal || error instanceof NotSent)) throw error;
        this.#sender.learnFrom(error);
        if (error instanceof Refusal && checked.to === ANY) {
          refusedBy = refusersSoFar(error, checked, refusedBy);
          timeout = error.timeLeft;
        } else {
          timeout = await awaitReplacement(
            this.#sender.asker,
            error,
            "Request",
            action,
            checked,
            timeout,
          );
          // A worker back is asked again; those still being replaced are not.
          refusedBy = refusedBy?.filter((worker) => this.replacements.has(worker));
        }
        if (error instanceof Refusal) sent = data = error.resend(data);
        else if (error.data !== undefined) sent = data = error.data;
        else sent = data;
      }
    }
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
      target = this.#sender.send(payload, action, to, skip);
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
   * come: see {@linkcode StreamRequester.requestStream}.
   */
  requestStream(
    action: string,
    data: unknown,
    options: RequestOptions,
  ): AsyncGenerator<unknown, void, undefined> {
    return this.#streamRequester.requestStream(action, data, options);
  }

  /** Asks many targets; resolves with each one's answer or error, in order. */
  requestAll(
    action: string,
    data: unknown,
    given?: RequestAllOptions,
  ): Promise<Settled<unknown>[]> {
    return this.#requestAll.requestAll(action, data, given);
  }

  /** How `ANY` weighs a worker: by its open work, and one leaving after every other. */
  load(worker: Address): number {
    return this.#sender.load(worker);
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
    if (!never && undelivered > 0 && !this.#sender.down.has(peer)) {
      this.#sender.down.set(peer, undefined);
    }
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
      this.#sender.down.set(event.address, ended(event));
    }
    if (event.type === "ready") this.#sender.down.delete(event.address);
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
      const up = !this.replacements.ended && !this.#sender.down.has(sibling);
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
    this.pending.failAll((spec) => this.#sender.closedError(spec.action, spec.target, reason));
    this.pending.close();
    this.streams.failAll((entry) =>
      this.#sender.closedError(entry.action, entry.target, reason, "closed", "Streamed request")
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
  const how = event.hung
    ? `on signal ${event.signal} (killed as hung: it did not answer the watchdog)`
    : event.signal === null
    ? `with code ${event.code}`
    : `on signal ${event.signal}`;
  return `${who} exited ${how}, and ${event.restart ? "is being restarted" : "stays down"}`;
}
