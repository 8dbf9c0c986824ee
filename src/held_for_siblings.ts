/**
 * What a child sends siblings that cannot take it yet, held in the sender
 * until they can, in order with every later message to them:
 *
 * - At the cluster's start a worker's siblings start alongside it (its
 *   bootstrap names them): a message to one that does not listen yet is
 *   held while this process asks its manager about it (`ManagerSync`: the
 *   answer waits until a sibling starting with the cluster is ready). It
 *   goes sooner if something more is sent to that sibling and it can be
 *   reached by then (it listens, or it dialed this process): a sibling set
 *   up before it is ready (`{ ready: false }`) may ask this process, and
 *   wait for the answer, which goes behind what was held. Once anything
 *   said that sibling started (an event about it, a connection to it that
 *   closed, that answer), nothing is held for it so again.
 * - A message to a sibling being replaced (reloading, or stopping alone to
 *   be restarted), whose old process cannot be reached any more, is held
 *   for its next process; so is one whose connection closed before the far
 *   end welcomed it (it was dialed as the old process closed). They go
 *   once that process is ready, as requests to it do.
 *
 * What was held and cannot go (the sibling never listened, no new process
 * came, or this process closed first) is reported lost, naming the actions
 * and the sibling. Requests are not held here: they wait in
 * `replacement_wait.ts`, within their timeout, and fail where the requester
 * sees it.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import { UnreachableError } from "./errors.ts";
import { copyPayload } from "./payload_pieces.ts";
import { CLOSED, FULL, type Payload, TOO_LARGE, UNREACHABLE } from "./transport.ts";

/**
 * What became of a sibling, as this process learns it: its manager
 * answered (it listens now, if it started), its new process is ready, or
 * none will come.
 */
export type SiblingNews = "answered" | "ready" | "gone";

/** What the holds need of the process that sends. */
export interface SiblingHoldOptions {
  /**
   * Asks the manager about `sibling` (its answer waits until it listens,
   * if it is starting with the cluster) and, if it is being replaced,
   * waits for its new process.
   */
  news(sibling: Address): Promise<SiblingNews>;
  /**
   * Hands a payload to the transport now, over `maxQueuedBytes` if need be
   * (it was held within it): its size, or a negative code.
   */
  send(to: Address, payload: Payload): number;
  /** Where a loss is reported (the process's `onError`). */
  report(error: Error): void;
  /** Whether `sibling` is being replaced, as this process knows. */
  replacing(sibling: Address): boolean;
  /** The bytes a payload of `size` takes of `maxQueuedBytes` to `to`, as the transport counts them. */
  cost(to: Address, size: number): number;
}

/** The messages held for one sibling, oldest first. */
interface Held {
  payloads: Uint8Array[];
  actions: string[];
  bytes: number;
  /**
   * Why they wait for a new process (a connection to the old one failed,
   * or it left), to say if none comes; undefined: they do not.
   */
  forNext: string | undefined;
  /** Settles once they are sent (or reported lost). */
  released: PromiseWithResolvers<void>;
}

/** Messages held for siblings that cannot take them yet. */
export class HeldForSiblings {
  readonly #options: SiblingHoldOptions;
  readonly #held = new Map<Address, Held>();
  /** The siblings that may still be starting with the cluster, as this process knows. */
  readonly #starting = new Set<Address>();
  /** Whether this process closes: what could not go is lost for that. */
  #closed = false;

  constructor(options: SiblingHoldOptions) {
    this.#options = options;
  }

  /** Whether what is held for `sibling` waits for its next process. */
  waitsForNext(sibling: Address): boolean {
    return this.#held.get(sibling)?.forNext !== undefined;
  }

  /** Whether messages to `sibling` are held now: every new one waits behind them. */
  holds(sibling: Address): boolean {
    return this.#held.has(sibling);
  }

  /**
   * Sends what is held for `sibling` now, if it can be reached: it listens
   * (it may not be ready yet, and hold them itself until it is), or it
   * dialed this process (it asks, and waits for the answer, which is
   * behind them). What waits for a new process waits for its news.
   *
   * @returns Whether nothing is held for it any more.
   */
  sendHeld(sibling: Address): boolean {
    const held = this.#held.get(sibling);
    if (held === undefined) return true;
    if (held.forNext !== undefined) return false;
    const first = this.#options.send(sibling, held.payloads[0]);
    if (first === UNREACHABLE) return false;
    this.#release(sibling, "answered", first);
    return true;
  }

  /**
   * This process closes: what is held for a sibling that can be reached
   * now goes, as what is queued does; the rest is reported lost, as this
   * process closed first, once news of that sibling comes (it comes soon:
   * nothing waits for a new process any more).
   */
  close(): void {
    this.#closed = true;
    for (const sibling of [...this.#held.keys()]) this.sendHeld(sibling);
  }

  /** This process starts with the cluster, as `siblings` do: they may not listen yet. */
  startsWith(siblings: readonly Address[]): void {
    for (const sibling of siblings) this.#starting.add(sibling);
  }

  /** Something said `sibling` started: nothing is held for it as starting from now on. */
  started(sibling: Address): void {
    this.#starting.delete(sibling);
  }

  /** The cluster's start is over: every sibling that started with this process started. */
  allStarted(): void {
    this.#starting.clear();
  }

  /** Whether `sibling` may still be starting with the cluster, as this process knows. */
  mayBeStarting(sibling: Address): boolean {
    return this.#starting.has(sibling);
  }

  /**
   * Whether a message to `sibling`, which cannot be reached now, may be
   * held: it may still be starting with the cluster, or it is being
   * replaced.
   */
  mayHold(sibling: Address): boolean {
    return this.#starting.has(sibling) || this.#options.replacing(sibling);
  }

  /** The bytes held for `sibling`. */
  bytes(sibling: Address): number {
    return this.#held.get(sibling)?.bytes ?? 0;
  }

  /**
   * Holds a copy of `payload` for `sibling` (it may change after the call),
   * the first asking the manager about it.
   *
   * @param limit The most bytes held for it, counted as the transport's
   * queue counts them (frame headers too).
   * @param maxSize The largest payload the transport carries to it.
   * @returns The payload's size; or, nothing held, `TOO_LARGE` when it is
   * over `maxSize`, `FULL` when it would take what is held over `limit`.
   */
  hold(
    sibling: Address,
    payload: Payload,
    action: string,
    limit: number,
    maxSize = Infinity,
  ): number {
    // The one copy, which measures text too.
    const copy = copyPayload(payload);
    if (copy.length > maxSize) return TOO_LARGE;
    const cost = this.#options.cost(sibling, copy.length);
    if (this.bytes(sibling) + cost > limit) return FULL;
    const held = this.#held.get(sibling) ?? this.#newHold(sibling);
    held.payloads.push(copy);
    held.actions.push(action);
    held.bytes += cost;
    return copy.length;
  }

  /**
   * Holds messages for `sibling`'s next process, ahead of any held since:
   * those a connection to it never carried (it closed before the welcome),
   * or none, to hold what is sent it from now on (it left: its old process
   * would take them as it closes, unable to answer).
   *
   * @param messages Each payload, with its action, in the order sent.
   * @param because Why, to say if no new process comes.
   */
  holdForNext(sibling: Address, messages: readonly [Uint8Array, string][], because: string): void {
    const held = this.#held.get(sibling) ?? this.#newHold(sibling);
    held.forNext ??= because;
    held.payloads.unshift(...messages.map(([payload]) => payload));
    held.actions.unshift(...messages.map(([, action]) => action));
    for (const [payload] of messages) held.bytes += this.#options.cost(sibling, payload.length);
  }

  /**
   * Resolves once at most `limit` bytes are held for `sibling` (default:
   * for each): once what was held over it is handed to the transport.
   */
  async drained(limit: number, sibling?: Address): Promise<void> {
    await Promise.all(this.#over(limit, sibling).map((held) => held.released.promise));
  }

  /** Whether more than `limit` bytes are held for `sibling` (default: for any). */
  isOver(limit: number, sibling?: Address): boolean {
    return this.#over(limit, sibling).length > 0;
  }

  #over(limit: number, sibling?: Address): Held[] {
    const over: Held[] = [];
    for (const [address, held] of this.#held) {
      if ((sibling === undefined || address === sibling) && held.bytes > limit) over.push(held);
    }
    return over;
  }

  #newHold(sibling: Address): Held {
    const held: Held = {
      payloads: [],
      actions: [],
      bytes: 0,
      forNext: undefined,
      released: Promise.withResolvers<void>(),
    };
    this.#held.set(sibling, held);
    this.#options.news(sibling).then((news) => this.#release(sibling, news));
    return held;
  }

  /**
   * News of `sibling`, or it can be reached: what was held goes, or what
   * cannot is reported.
   *
   * @param first What sending the first held message gave, when it was sent.
   */
  #release(sibling: Address, news: SiblingNews, first?: number): void {
    this.#starting.delete(sibling);
    const held = this.#held.get(sibling);
    // Sent already, as it could be reached before the news came.
    if (held === undefined) return;
    this.#held.delete(sibling);
    held.released.resolve();
    // The old process that failed the connection is not coming back.
    const goes = news === "ready" || (news === "answered" && held.forNext === undefined);
    if (held.payloads.length === 0) return;
    if (!goes) {
      const why = this.#closed
        ? "this process closed first"
        : held.forNext !== undefined
        ? `${held.forNext}, and no new process of it came`
        : "it is not connected";
      return this.#options.report(lostError(sibling, held.actions, why));
    }
    const lost: string[] = [];
    let closed = false;
    for (let i = 0; i < held.payloads.length; i++) {
      const size = i === 0 && first !== undefined
        ? first
        : this.#options.send(sibling, held.payloads[i]);
      if (size >= 0) continue;
      lost.push(held.actions[i]);
      closed ||= size === CLOSED;
    }
    if (lost.length === 0) return;
    const why = closed ? "this process closed first" : "it is not connected";
    this.#options.report(lostError(sibling, lost, why));
  }
}

/** One error for every message held for `sibling` that could not go. */
function lostError(sibling: Address, actions: string[], why: string): UnreachableError {
  const what = actions.length === 1
    ? `Message "${actions[0]}"`
    : `${actions.length} messages (${
      [...new Set(actions)].map((action) => `"${action}"`).join(", ")
    })`;
  return new UnreachableError(
    `${what} to ${describe(sibling)}, held until it could take ${
      actions.length === 1 ? "it, was" : "them, were"
    } not delivered: ${why}`,
    { action: actions[0], peer: sibling },
  );
}
