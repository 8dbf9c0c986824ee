/**
 * A child's answers to another host that the window to that host has no
 * room for yet: its responses, a streamed answer's parts. Held in its
 * manager, in order, with whatever the child sends the same process after
 * them, until the window has room; refused as before only when they cannot
 * go at all (the host left, the way is down), or past `maxQueuedBytes` of
 * the child's. Refused at once, as other messages past the window are, a
 * stream whose consumer granted 16 parts of 900 KB broke at the 8 MiB
 * default window: the parts come to the manager faster than the other
 * host can confirm them, and the child cannot see the window. Answers are
 * bounded by what the other host asked for (its requests, a stream's
 * grants), so holding them does not let a child flood another host.
 * The manager's own answers wait here too, within the same bound, held
 * as from its address on the other hosts: refused, the requester failed
 * after the handler had run (what the manager sends that host after them
 * is refused as past the window, as it would be, to keep their order).
 *
 * @module
 */

import type { Address } from "./address.ts";
import { FULL } from "./transport.ts";

/** How a manager sends on what it held, and refuses what cannot go. */
export interface HeldAnswersWay {
  /** Sends to the link: the size, or a negative code (`FULL`: no room yet). */
  send(from: Address, to: Address, payload: Uint8Array): number;
  /**
   * Refuses to the child what cannot go at all (`own`: an answer the
   * manager made for it, which the child never sent: only reported).
   */
  refuse(from: Address, to: Address, payload: Uint8Array, own: boolean): void;
  /** An answer the manager made as from the child went (see `hold`'s `own`). */
  answeredAs(from: Address, to: Address): void;
  /** Whether to let it go unsent, unrefused: the rest of a stream already refused. */
  dropped(from: Address, to: Address, payload: Uint8Array): boolean;
  /** Resolves once at most `limit` bytes to `host` are unconfirmed (or the window closed). */
  drained(limit: number, host: string): Promise<void>;
  /** Told what went wrong that nobody else can be told. */
  report(error: Error): void;
}

type Held = { payload: Uint8Array; own: boolean };
type Queue = {
  from: Address;
  to: Address;
  host: string;
  payloads: Held[];
  /** Resolved once nothing of it waits any more (see `sentTo`). */
  sent?: PromiseWithResolvers<void>;
};

/** Answers for other hosts, held until the window to each has room. */
export class HeldAnswers {
  readonly #way: HeldAnswersWay;
  readonly #window: number;
  readonly #bound: number;
  /** By sender, by target: what waits, in order (looked up for each message a child relays). */
  readonly #queues = new Map<Address, Map<Address, Queue>>();
  /** By child: the bytes it has held. */
  readonly #bytes = new Map<Address, number>();
  /** By child: resolved once nothing of it is held (see `sent`). */
  readonly #sent = new Map<Address, PromiseWithResolvers<void>>();
  /** Resolved once nothing of any child is held (see `allSent`). */
  #allSent: PromiseWithResolvers<void> | undefined;

  /**
   * @param window The bytes that may be unconfirmed to one host.
   * @param bound The most bytes held for one child (`maxQueuedBytes`).
   */
  constructor(way: HeldAnswersWay, window: number, bound: number) {
    this.#way = way;
    this.#window = window;
    this.#bound = bound;
  }

  /**
   * Holds `payload` behind what waits from `from` for `to`, if anything
   * does: what a process sends another goes in order.
   *
   * @returns Whether it was taken (held, or refused past the bound).
   */
  behind(from: Address, to: Address, payload: Uint8Array, own = false): boolean {
    if (this.#queues.size === 0) return false;
    const queue = this.#queues.get(from)?.get(to);
    if (queue === undefined) return false;
    this.#add(queue, payload, own);
    return true;
  }

  /** Whether anything from `from` for `to` waits: what `from` sends `to` next goes behind it. */
  holds(from: Address, to: Address): boolean {
    return this.#queues.get(from)?.has(to) ?? false;
  }

  /** Whether `size` more bytes from `from` are within the bound (else they are refused). */
  fits(from: Address, size: number): boolean {
    return (this.#bytes.get(from) ?? 0) + size <= this.#bound;
  }

  /**
   * Holds an answer the window to `host` had no room for, to send once it
   * has (the payload is copied: the caller's may be reused). `own`: an
   * answer the manager made as from `from` (a request refused for it).
   */
  hold(from: Address, to: Address, host: string, payload: Uint8Array, own = false): void {
    const queue: Queue = { from, to, host, payloads: [] };
    let byTarget = this.#queues.get(from);
    if (!byTarget) this.#queues.set(from, byTarget = new Map());
    byTarget.set(to, queue);
    this.#add(queue, payload, own);
    this.#sendOn(queue).catch((error) => this.#way.report(error));
  }

  /**
   * Resolves once nothing `from` sent is held any more (each went, or was
   * refused); undefined when nothing is.
   */
  sent(from: Address): Promise<void> | undefined {
    if (!this.#bytes.has(from)) return undefined;
    let sent = this.#sent.get(from);
    if (!sent) this.#sent.set(from, sent = Promise.withResolvers());
    return sent.promise;
  }

  /**
   * Resolves once nothing `from` sent `to` is held any more (each went, or
   * was refused); undefined when nothing is.
   */
  sentTo(from: Address, to: Address): Promise<void> | undefined {
    const queue = this.#queues.get(from)?.get(to);
    if (queue === undefined) return undefined;
    queue.sent ??= Promise.withResolvers();
    return queue.sent.promise;
  }

  /**
   * Resolves once nothing is held for any child (each went, or was
   * refused): a manager that stops waits for it while it still reads, as
   * only then do the other hosts' confirmations make room in the window.
   */
  allSent(): Promise<void> {
    if (this.#bytes.size === 0) return Promise.resolve();
    this.#allSent ??= Promise.withResolvers();
    return this.#allSent.promise;
  }

  #add(queue: Queue, payload: Uint8Array, own: boolean): void {
    const held = this.#bytes.get(queue.from) ?? 0;
    if (held + payload.length > this.#bound) {
      return this.#way.refuse(queue.from, queue.to, payload, own);
    }
    this.#bytes.set(queue.from, held + payload.length);
    queue.payloads.push({ payload: payload.slice(), own });
  }

  /** Sends what `queue` holds as the window makes room, in order. */
  async #sendOn(queue: Queue): Promise<void> {
    const { from, to, host, payloads } = queue;
    // Room for the first, with its envelope; when that was not enough, for anything.
    let emptied = false;
    while (payloads.length > 0) {
      const limit = emptied ? 0 : this.#window - payloads[0].payload.length - ENVELOPE_ROOM;
      await this.#way.drained(Math.max(0, limit), host);
      emptied = true;
      while (payloads.length > 0) {
        const { payload, own } = payloads[0];
        const sent = !own && this.#way.dropped(from, to, payload)
          ? 0
          : this.#way.send(from, to, payload);
        if (sent === FULL) break;
        emptied = false;
        payloads.shift();
        this.#bytes.set(from, this.#bytes.get(from)! - payload.length);
        if (sent < 0) this.#way.refuse(from, to, payload, own);
        else if (own) this.#way.answeredAs(from, to);
      }
    }
    const byTarget = this.#queues.get(from)!;
    byTarget.delete(to);
    if (byTarget.size === 0) this.#queues.delete(from);
    queue.sent?.resolve();
    if (this.#bytes.get(from) !== 0) return;
    this.#bytes.delete(from);
    this.#sent.get(from)?.resolve();
    this.#sent.delete(from);
    if (this.#bytes.size > 0) return;
    this.#allSent?.resolve();
    this.#allSent = undefined;
  }
}

/** What an envelope adds to a payload, at most, with room to spare (see `nats/envelope.ts`). */
const ENVELOPE_ROOM = 1_024;
