/**
 * `IncomingRequests`: the requests this process is answering, each with
 * the signal its handler sees as `msg.signal`. The signal aborts when the
 * requester gives up: its `signal` aborted (it says so with `$cancel`), the
 * request's timeout passed (the timeout travels with the request, so no
 * message is needed), or its connection closed (it exited). A request is
 * done once it is answered.
 *
 * Signals are made when a handler first reads one, not for every request:
 * most handlers never look.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { Clock } from "./clock.ts";

/** The signal of every message that is not a request: it never aborts. */
const NEVER = new AbortController().signal;

/** One request being answered. */
export class IncomingRequest {
  /** When the requester stops waiting, on the clock; Infinity when it said no timeout. */
  readonly deadline: number;
  readonly #clock: Clock;
  readonly #done: () => void;
  #controller: AbortController | undefined;
  #reason: DOMException | undefined;
  #timer: unknown;
  /** For a streamed answer: parts the requester can take now. */
  #credit: number;
  #creditWaiter: PromiseWithResolvers<void> | undefined;

  constructor(clock: Clock, timeout: number | undefined, done: () => void, window = 0) {
    this.#clock = clock;
    this.#done = done;
    this.deadline = timeout === undefined ? Infinity : clock.now() + timeout;
    this.#credit = window;
  }

  /** The requester can take `parts` more parts of a streamed answer (`$more`). */
  grant(parts: number): void {
    this.#credit += parts;
    this.#creditWaiter?.resolve();
  }

  /**
   * Waits until the requester can take one more part, and counts it.
   *
   * @returns False once the requester gave up.
   */
  async takeCredit(): Promise<boolean> {
    while (this.#credit === 0 && !this.#reason) {
      this.#creditWaiter = Promise.withResolvers();
      await this.#creditWaiter.promise;
      this.#creditWaiter = undefined;
    }
    if (this.#reason) return false;
    this.#credit--;
    return true;
  }

  /** Whether the requester gave up. */
  get abandoned(): boolean {
    return this.#reason !== undefined;
  }

  /** Aborts when the requester no longer waits for the answer. */
  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    this.#controller = new AbortController();
    if (this.#reason) {
      this.#controller.abort(this.#reason);
    } else if (this.deadline !== Infinity) {
      const left = this.deadline - this.#clock.now();
      if (left <= 0) this.abort(timedOut());
      else this.#timer = this.#clock.setTimeout(() => this.abort(timedOut()), left);
    }
    return this.#controller.signal;
  }

  /** The requester gave up: the signal aborts with `reason`, and the request is done. */
  abort(reason: DOMException): void {
    if (this.#reason) return;
    this.#reason = reason;
    this.settle();
    this.#creditWaiter?.resolve();
    this.#controller?.abort(reason);
  }

  /** Answered (or given up): forgets it, and its timer. */
  settle(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#done();
  }
}

/** The requests one process is answering, by requester and messageId. */
export class IncomingRequests {
  readonly #byPeer = new Map<Address, Map<string, IncomingRequest>>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** How many requests are being answered. */
  get size(): number {
    let size = 0;
    for (const requests of this.#byPeer.values()) size += requests.size;
    return size;
  }

  /**
   * A request from `from` came; `timeout` is how long its requester waits,
   * if it said; `window`, for a streamed answer, how many parts it takes ahead.
   */
  open(
    from: Address,
    messageId: string,
    timeout: number | undefined,
    window?: number,
  ): IncomingRequest {
    let requests = this.#byPeer.get(from);
    if (!requests) {
      requests = new Map();
      this.#byPeer.set(from, requests);
    }
    this.#forgetExpired(requests);
    const request = new IncomingRequest(this.#clock, timeout, () => {
      if (requests.get(messageId) !== request) return;
      requests.delete(messageId);
      if (requests.size === 0 && this.#byPeer.get(from) === requests) this.#byPeer.delete(from);
    }, window);
    requests.get(messageId)?.settle();
    requests.set(messageId, request);
    return request;
  }

  /** The request `messageId` from `from`, if it is still being answered. */
  get(from: Address, messageId: string): IncomingRequest | undefined {
    return this.#byPeer.get(from)?.get(messageId);
  }

  /** `from` cancelled its request `messageId`. */
  cancel(from: Address, messageId: string): void {
    this.get(from, messageId)?.abort(
      new DOMException("The requester cancelled the request", "AbortError"),
    );
  }

  /** `peer`'s connection closed: it waits for none of its requests any more. */
  gone(peer: Address): void {
    const requests = this.#byPeer.get(peer);
    if (!requests) return;
    this.#byPeer.delete(peer);
    const reason = new DOMException("The requester is gone", "AbortError");
    for (const request of requests.values()) request.abort(reason);
  }

  /** This process is closing: nobody gets its answers any more. */
  abortAll(): void {
    for (const peer of [...this.#byPeer.keys()]) {
      const requests = this.#byPeer.get(peer)!;
      this.#byPeer.delete(peer);
      const reason = new DOMException("This process is closing", "AbortError");
      for (const request of requests.values()) request.abort(reason);
    }
  }

  /**
   * Forgets the requests whose requester stopped waiting and that nobody
   * answered or watched (a listener that never replies): the oldest come
   * first, so only those are looked at.
   */
  #forgetExpired(requests: Map<string, IncomingRequest>): void {
    const now = this.#clock.now();
    for (const request of requests.values()) {
      if (request.deadline > now) return;
      request.abort(timedOut());
    }
  }
}

/** The signal of a message that is not a request, or whose request is done. */
export function neverAborted(): AbortSignal {
  return NEVER;
}

function timedOut(): DOMException {
  return new DOMException("The request timed out at its requester", "TimeoutError");
}
