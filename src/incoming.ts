/**
 * `IncomingRequests`: the requests this process is answering, each with
 * the signal its handler sees as `msg.signal`. The signal aborts when the
 * requester gives up: its `signal` aborted (it says so with `$cancel`), the
 * request's timeout passed (the timeout travels with the request, so no
 * message is needed), or its connection closed (it exited). A request is
 * done once it is answered.
 *
 * Most handlers never read their signal, so a request costs nothing here
 * until one does: only then is it entered in the table (with its timer),
 * where a `$cancel` or a closed connection finds it. A `$cancel` for a
 * request nobody watches yet is kept aside, so that a handler that reads
 * its signal later still sees it aborted. Streamed answers are entered at
 * once: `$more` must find them.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { Clock } from "./clock.ts";

/** The signal of every message that is not a request: it never aborts. */
const NEVER = new AbortController().signal;
/** Cancels kept per peer for requests nobody watched yet; the oldest go first. */
const MOST_EARLY_CANCELS = 1024;

/** One request being answered. */
export class IncomingRequest {
  /** When the requester stops waiting, on the clock; Infinity when it said no timeout. */
  readonly deadline: number;
  /** When it came, among requests and cancels: of two with one id, the later is higher. */
  readonly order: number;
  readonly #table: IncomingRequests;
  readonly #from: Address;
  readonly #messageId: string;
  /** How many connections had closed when it came (see `IncomingRequests.goneSince`). */
  readonly #seenGone: number;
  #watched = false;
  #done = false;
  #controller: AbortController | undefined;
  #reason: DOMException | undefined;
  #timer: unknown;
  /** For a streamed answer: parts the requester can take now. */
  #credit: number;
  #creditWaiter: PromiseWithResolvers<void> | undefined;

  constructor(
    table: IncomingRequests,
    from: Address,
    messageId: string,
    deadline: number,
    seenGone: number,
    window = 0,
    order = 0,
  ) {
    this.order = order;
    this.#table = table;
    this.#from = from;
    this.#messageId = messageId;
    this.#seenGone = seenGone;
    this.deadline = deadline;
    this.#credit = window;
  }

  /**
   * Whether its requester's connection closed since it came: its answer
   * would go to nobody, or to the next process at that address.
   */
  get requesterGone(): boolean {
    return this.#table.goneSince(this.#from, this.#seenGone);
  }

  /** Aborts when the requester no longer waits for the answer. */
  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    this.#controller = new AbortController();
    if (!this.#reason && !this.#done) this.watch();
    if (this.#reason) this.#controller.abort(this.#reason);
    return this.#controller.signal;
  }

  /** Enters it in the table, where a cancel finds it, and arms its deadline. */
  watch(): void {
    if (this.#watched || this.#done) return;
    this.#watched = true;
    const clock = this.#table.clock;
    if (this.#table.goneSince(this.#from, this.#seenGone)) return this.abort(requesterGone());
    const refused = this.#table.enter(this.#from, this.#messageId, this);
    if (refused) return this.abort(refused);
    if (this.deadline === Infinity) return;
    const left = this.deadline - clock.now();
    if (left <= 0) return this.abort(timedOut());
    // Past the timers' range (2^31 - 1 ms, some 24 days), as good as never.
    if (left > 2 ** 31 - 1) return;
    this.#timer = clock.setTimeout(() => this.abort(timedOut()), left);
  }

  /** The requester gave up: the signal aborts with `reason`, and the request is done. */
  abort(reason: DOMException): void {
    if (this.#reason || this.#done) return;
    this.#reason = reason;
    this.settle();
    this.#controller?.abort(reason);
  }

  /**
   * Answered, or given up: forgets it and its timer, and a streamed answer
   * waiting for credit sends no more.
   */
  settle(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#timer !== undefined) this.#table.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#table.leave(this.#from, this.#messageId, this, this.#watched);
    this.#creditWaiter?.resolve();
  }

  /** Whether the requester gave up. */
  get abandoned(): boolean {
    return this.#reason !== undefined;
  }

  /** Whether its timeout passed: its requester no longer waits for any answer. */
  get timedOut(): boolean {
    return this.#reason?.name === "TimeoutError";
  }

  /** Whether it was answered, or given up: nothing more goes to its requester. */
  get settled(): boolean {
    return this.#done;
  }

  /** The requester can take `parts` more parts of a streamed answer (`$more`). */
  grant(parts: number): void {
    this.#credit += parts;
    this.#creditWaiter?.resolve();
  }

  /**
   * Waits until the requester can take one more part, and counts it.
   *
   * @returns False once the requester gave up, or it is settled.
   */
  async takeCredit(): Promise<boolean> {
    while (this.#credit === 0 && !this.#done) {
      this.#creditWaiter = Promise.withResolvers();
      await this.#creditWaiter.promise;
      this.#creditWaiter = undefined;
    }
    if (this.#done) return false;
    this.#credit--;
    return true;
  }
}

/** When a message came: the time, and how many connections had closed by then. */
export interface Receipt {
  at: number;
  gones: number;
  /** Its place among the requests and cancels that came (a request's `order`). */
  arrival: number;
}

/** The requests one process is answering, by requester and messageId. */
export class IncomingRequests {
  /** Time and timers of the deadlines. */
  readonly clock: Clock;
  /** The watched requests: those whose signal was read, and streamed answers. */
  readonly #watched = new Map<Address, Map<string, IncomingRequest>>();
  /** Cancels that came for requests nobody watched yet, by requester: when each came. */
  readonly #earlyCancels = new Map<Address, Map<string, number>>();
  /** How many connections closed so far, and the count when each peer's last did. */
  #gones = 0;
  /** How many requests and cancels came: each one's place. */
  #arrivals = 0;
  #closed = false;
  readonly #goneAt = new Map<Address, number>();

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** How many requests are watched (their signal read, or streamed). */
  get size(): number {
    let size = 0;
    for (const requests of this.#watched.values()) size += requests.size;
    return size;
  }

  /**
   * When a message came, as requests count it: for one held before it is
   * opened (the process was not ready), so that its timeout counts from
   * then, and a requester that left meanwhile is seen gone.
   */
  receipt(): Receipt {
    return { at: this.clock.now(), gones: this.#gones, arrival: ++this.#arrivals };
  }

  /**
   * A request from `from` came (at `receipt`, if not now); `timeout` is how
   * long its requester waits, if it said; `window`, for a streamed answer,
   * how many parts it takes ahead.
   */
  open(
    from: Address,
    messageId: string,
    timeout: number | undefined,
    window?: number,
    receipt?: Receipt,
  ): IncomingRequest {
    const at = receipt?.at ?? this.clock.now();
    const deadline = timeout === undefined ? Infinity : at + timeout;
    const gones = receipt?.gones ?? this.#gones;
    // One still open with this id (a requester reusing ids) is given up
    // now, not once this one is watched: `$cancel` and `$more` are the newer's.
    this.#watched.get(from)?.get(messageId)?.abort(superseded());
    const request = new IncomingRequest(
      this,
      from,
      messageId,
      deadline,
      gones,
      window,
      receipt?.arrival ?? ++this.#arrivals,
    );
    if (window !== undefined) request.watch();
    return request;
  }

  /** The watched request `messageId` from `from`, if it is still being answered. */
  get(from: Address, messageId: string): IncomingRequest | undefined {
    return this.#watched.get(from)?.get(messageId);
  }

  /** `from` cancelled its request `messageId`. */
  cancel(from: Address, messageId: string): void {
    const request = this.get(from, messageId);
    if (request) return request.abort(cancelled());
    // Nobody watches it yet (or it is answered already): kept, bounded,
    // with when it came: a later request reusing the id is not cancelled.
    let cancels = this.#earlyCancels.get(from);
    if (!cancels) this.#earlyCancels.set(from, cancels = new Map());
    cancels.delete(messageId);
    if (cancels.size >= MOST_EARLY_CANCELS) cancels.delete(cancels.keys().next().value!);
    cancels.set(messageId, ++this.#arrivals);
  }

  /**
   * `peer`'s connection closed: it waits for none of its requests any more.
   * Or, `stillThere`, a message to it was refused: one of the answers being
   * sent it may have been broken (a stream's part), so they stop, and what
   * they answer still goes to it.
   */
  gone(peer: Address, stillThere = false): void {
    if (!stillThere) {
      this.#goneAt.set(peer, ++this.#gones);
      this.#earlyCancels.delete(peer);
    }
    const requests = this.#watched.get(peer);
    if (!requests) return;
    this.#watched.delete(peer);
    const reason = stillThere ? answerRefused() : requesterGone();
    for (const request of requests.values()) request.abort(reason);
  }

  /** Whether `peer`'s connection closed since `seen` connections had. */
  goneSince(peer: Address, seen: number): boolean {
    return this.#closed || (this.#goneAt.get(peer) ?? 0) > seen;
  }

  /** This process is closing: nobody gets its answers any more. */
  abortAll(): void {
    this.#earlyCancels.clear();
    // Whoever asked, nobody gets an answer now: as if every requester had gone.
    this.#closed = true;
    for (const peer of [...this.#watched.keys()]) {
      const requests = this.#watched.get(peer)!;
      this.#watched.delete(peer);
      const reason = new DOMException("This process is closing", "AbortError");
      for (const request of requests.values()) request.abort(reason);
    }
  }

  /**
   * Enters a request whose signal is read, or that streams.
   *
   * @returns Why it is given up at once, if it is (it is not entered then):
   * cancelled before, or its id taken already by a newer request.
   */
  enter(from: Address, messageId: string, request: IncomingRequest): DOMException | undefined {
    const cancels = this.#earlyCancels.get(from);
    const cancelledAt = cancels?.get(messageId);
    if (cancelledAt !== undefined && cancelledAt > request.order) {
      cancels!.delete(messageId);
      if (cancels!.size === 0) this.#earlyCancels.delete(from);
      return cancelled();
    }
    // One still open with this id (a peer reusing ids): the older of the
    // two is given up, the newer is the one the id finds.
    const other = this.#watched.get(from)?.get(messageId);
    if (other && other.order > request.order) return superseded();
    other?.abort(superseded());
    let requests = this.#watched.get(from);
    if (!requests) this.#watched.set(from, requests = new Map());
    requests.set(messageId, request);
    return undefined;
  }

  /** A request is done: out of the table, and any cancel kept for it forgotten. */
  leave(from: Address, messageId: string, request: IncomingRequest, watched: boolean): void {
    if (watched) {
      const requests = this.#watched.get(from);
      if (requests?.get(messageId) === request) {
        requests.delete(messageId);
        if (requests.size === 0) this.#watched.delete(from);
      }
    } else if (this.#earlyCancels.size > 0) {
      const cancels = this.#earlyCancels.get(from);
      if ((cancels?.get(messageId) ?? 0) > request.order) {
        cancels!.delete(messageId);
        if (cancels!.size === 0) this.#earlyCancels.delete(from);
      }
    }
  }
}

/** The signal of a message that is not a request, or whose request is done. */
export function neverAborted(): AbortSignal {
  return NEVER;
}

function answerRefused(): DOMException {
  return new DOMException("A message to the requester was refused", "AbortError");
}

function requesterGone(): DOMException {
  return new DOMException("The requester is gone", "AbortError");
}

function superseded(): DOMException {
  return new DOMException(
    "The requester sent another request with this one's messageId",
    "AbortError",
  );
}

function cancelled(): DOMException {
  return new DOMException("The requester cancelled the request", "AbortError");
}

function timedOut(): DOMException {
  return new DOMException("The request timed out at its requester", "TimeoutError");
}
