/**
 * What a child sends siblings that do not listen yet. At the cluster's
 * start a worker's siblings start alongside it (its bootstrap names them):
 * a message to one it cannot reach yet is held, with every later one to
 * it, in order, while this process asks its manager about it
 * (`ManagerSync`: the answer waits until a sibling starting with the
 * cluster listens); then what was held is sent. Once anything said that
 * sibling started (an event about it, a connection to it that closed, the
 * manager's answer), nothing is held for it again: a message it cannot
 * take is refused, as the caller sees. What was held and still cannot go
 * (its start failed, or this process closed first) is reported lost,
 * naming the actions and the sibling. Requests are not held here: they
 * wait in `replacement_wait.ts`, within their timeout, and fail where the
 * requester sees it.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import { UnreachableError } from "./errors.ts";
import { copyPayload } from "./payload_pieces.ts";
import { CLOSED, FULL, type Payload } from "./transport.ts";

/** What the holds need of the process that sends. */
export interface SiblingHoldOptions {
  /** Resolves once the manager answered about `sibling` (once it listens, if it is starting). */
  syncWithManager(sibling: Address): Promise<void>;
  /** Hands a payload to the transport now: its size, or a negative code. */
  send(to: Address, payload: Payload): number;
  /** Where a loss is reported (the process's `onError`). */
  report(error: Error): void;
}

/** The messages held for one sibling, oldest first. */
interface Held {
  payloads: Uint8Array[];
  actions: string[];
  bytes: number;
  /** Settles once they are sent (or reported lost). */
  released: PromiseWithResolvers<void>;
}

/** Messages held for siblings that do not listen yet. */
export class HeldForSiblings {
  readonly #options: SiblingHoldOptions;
  readonly #held = new Map<Address, Held>();
  /** The siblings that may still be starting with the cluster, as this process knows. */
  readonly #starting = new Set<Address>();

  constructor(options: SiblingHoldOptions) {
    this.#options = options;
  }

  /** Whether messages to `sibling` are held now: every new one waits behind them. */
  holds(sibling: Address): boolean {
    return this.#held.has(sibling);
  }

  /** This process starts with the cluster, as `siblings` do: they may not listen yet. */
  startsWith(siblings: readonly Address[]): void {
    for (const sibling of siblings) this.#starting.add(sibling);
  }

  /** Something said `sibling` started: nothing is held for it from now on. */
  started(sibling: Address): void {
    this.#starting.delete(sibling);
  }

  /**
   * Whether a message to `sibling`, which cannot be reached now, may be
   * held: it may still be starting with the cluster.
   */
  mayHold(sibling: Address): boolean {
    return this.#starting.has(sibling);
  }

  /** The bytes held for `sibling`. */
  bytes(sibling: Address): number {
    return this.#held.get(sibling)?.bytes ?? 0;
  }

  /**
   * Holds a copy of `payload` for `sibling` (it may change after the call),
   * the first asking the manager about it.
   *
   * @param limit The most bytes held for it.
   * @returns The payload's size, or `FULL` (nothing held) when that would
   * be over `limit`.
   */
  hold(sibling: Address, payload: Payload, action: string, limit: number): number {
    const copy = copyPayload(payload);
    let held = this.#held.get(sibling);
    if ((held?.bytes ?? 0) + copy.length > limit) return FULL;
    if (held === undefined) {
      held = { payloads: [], actions: [], bytes: 0, released: Promise.withResolvers() };
      this.#held.set(sibling, held);
      this.#options.syncWithManager(sibling).then(() => this.#release(sibling));
    }
    held.payloads.push(copy);
    held.actions.push(action);
    held.bytes += copy.length;
    return copy.length;
  }

  /**
   * Resolves once at most `limit` bytes are held for `sibling` (default:
   * for each): once what was held over it is handed to the transport.
   */
  async drained(limit: number, sibling?: Address): Promise<void> {
    const over = [...this.#held].filter(([address, held]) =>
      (sibling === undefined || address === sibling) && held.bytes > limit
    );
    await Promise.all(over.map(([, held]) => held.released.promise));
  }

  /** The manager answered: what was held goes, and what cannot is reported. */
  #release(sibling: Address): void {
    this.#starting.delete(sibling);
    const held = this.#held.get(sibling);
    this.#held.delete(sibling);
    if (held === undefined) return;
    held.released.resolve();
    const lost: string[] = [];
    let closed = false;
    for (let i = 0; i < held.payloads.length; i++) {
      const size = this.#options.send(sibling, held.payloads[i]);
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
    `${what} to ${describe(sibling)}, held until it listened, ${
      actions.length === 1 ? "was" : "were"
    } not delivered: ${why}`,
    { action: actions[0], peer: sibling },
  );
}
