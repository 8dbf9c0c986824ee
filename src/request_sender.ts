/**
 * What a request and a streamed request share on their way out, kept in
 * one place so that both go, and are refused, alike: their options
 * checked, a messageId unique in the cluster, the sending to a target or
 * to the worker `ANY` picks, and what a refusal teaches of who leaves.
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
import { assertUserAction } from "./action.ts";
import type { Clock } from "./clock.ts";
import { ClosedError, UnreachableError } from "./errors.ts";
import { LeavingWorkers } from "./leaving_workers.ts";
import type { Outbox } from "./outbox.ts";
import { checkOptionNames, type OptionNames } from "./option_names.ts";
import { type PendingRequests, Refusal, refusedError } from "./pending.ts";
import { randomBase64url } from "./random.ts";
import { type Asker, type CheckedRequest, NotSent } from "./replacement_wait.ts";
import { Replacements } from "./replacements.ts";
import type { Schemas } from "./schema.ts";
import type { StreamRequests } from "./streams.ts";
import type { Payload } from "./transport.ts";
import type { RequestOptions } from "./request_types.ts";
import { shown } from "./shown.ts";

/** The options a request takes. */
export const REQUEST_OPTIONS = {
  to: true,
  timeout: true,
  signal: true,
} satisfies OptionNames<RequestOptions>;

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

/** The requests a process waits on, both kinds: what `ANY` weighs a worker by. */
export interface OpenRequests {
  pending: PendingRequests;
  streams: StreamRequests;
}

/** One process's way of sending requests, of either kind. */
export class RequestSender {
  /** The workers `ANY` tries last. */
  readonly leaving: LeavingWorkers = new LeavingWorkers();
  /** The processes a request by id or name waits for. */
  readonly replacements: Replacements;
  /** What a wait for a replacement sees of this process. */
  readonly asker: Asker;
  /**
   * Processes last heard to have exited or been given up (a crash is no
   * replacement), with how they ended when an event said: the cause of a
   * refusal to reach one, so that a log says why it is not connected.
   */
  readonly down = new Map<Address, string | undefined>();
  readonly #options: RequesterOptions;
  readonly #open: OpenRequests;
  /**
   * Makes messageIds unique across the cluster without coordination; made
   * on first use, as the random source costs a new process time to start.
   */
  #idPrefix: string | undefined;
  #nextId = 0;

  constructor(options: RequesterOptions, open: OpenRequests) {
    this.#options = options;
    this.#open = open;
    this.replacements = new Replacements((address) => options.outbox.layout.has(address));
    const { replacements } = this;
    // What a wait for a replacement sees of this process: the layout as it is now.
    this.asker = {
      self: options.self,
      replacements,
      get layout() {
        return options.outbox.layout;
      },
      clock: options.clock,
      refusal: () => options.refusal(),
      syncWithManager: options.syncWithManager,
      heardDown: (address) => this.down.has(address),
      mayBeStarting: (address) => options.outbox.siblings?.mayBeStarting(address) ?? false,
    };
  }

  /**
   * Who a refusal says is leaving and being replaced: one that refused as
   * it stops alone. One that was not reached (another host could not hand
   * it over: its window was full, say) says nothing of the process, which
   * `ANY` would otherwise try last until a `ready` event that never comes.
   */
  learnFrom(failure: Refusal | NotSent): void {
    // A manager refuses as its host stops, and is never replaced: its refusal is final.
    if (!(failure instanceof Refusal) || failure.from === MANAGER || isManagerOf(failure.from)) {
      return;
    }
    if (!failure.stopping) return;
    this.leaving.leaves(failure.from);
    this.replacements.leaves(failure.from);
  }

  /** The target, timeout and signal of a request, checked. */
  check(action: string, options: RequestOptions): CheckedRequest {
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
    if (refusal !== undefined) throw this.closedError(action, to, undefined, refusal);
    return { to, timeout, signal };
  }

  /** A new messageId: unique in the cluster. */
  newMessageId(): string {
    const messageId = this.messageIdAhead(0);
    this.#nextId++;
    return messageId;
  }

  /** The messageId of the request `ahead` requests from now (0: the next one). */
  messageIdAhead(ahead: number): string {
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
  send(
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

  /** How `ANY` weighs a worker: by its open work, and one leaving after every other. */
  load(worker: Address): number {
    if (this.leaving.has(worker)) return Number.MAX_SAFE_INTEGER;
    return this.#openTo(worker);
  }

  /** Requests and streams a worker is still answering: what this process knows of its load. */
  #openTo(worker: Address): number {
    const streams = this.#open.streams.size > 0 ? this.#open.streams.openTo(worker) : 0;
    return this.#open.pending.openTo(worker) + streams;
  }

  /** Why a request to `to` could not go: it is not connected, or no such process. */
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
    const ended = this.down.get(to);
    return new UnreachableError(`Request "${action}" to ${describe(to)} failed: ${why}`, {
      action,
      peer: to,
      cause: ended === undefined ? undefined : new Error(ended),
    });
  }

  /** A request refused, or failed, as this process closed or stops. */
  closedError(
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
}

/**
 * After a failed attempt at a request to `ANY`: the workers that refused
 * it so far, to send it to another.
 *
 * @throws Its signal's reason, when it aborted.
 */
export function refusersSoFar(
  failure: Refusal,
  checked: CheckedRequest,
  refusedBy?: Address[],
): Address[] {
  if (checked.signal?.aborted) throw checked.signal.reason;
  return [...refusedBy ?? [], failure.from];
}

/**
 * Refuses a signal that is not an `AbortSignal` (an `AbortController`
 * passed by mistake, say): the open request would listen on it, and fail
 * as its answer came.
 */
export function checkSignal(action: string, signal: unknown): void {
  if (signal != null && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `Request "${action}" has an invalid signal: ${shown(signal)} is not an AbortSignal ` +
        "(pass controller.signal)",
    );
  }
}

/** Refuses a timeout that is not a number >= 0: its frame would be refused by every receiver. */
export function checkTimeout(action: string, timeout: unknown): void {
  if (typeof timeout !== "number" || !(timeout >= 0)) {
    throw new TypeError(`Request "${action}" has an invalid timeout: ${shown(timeout)}`);
  }
}
