/**
 * `RefusedStreams`: the streamed answers a child sends another host, one
 * part of which the link refused (its window was full, its host left).
 * What the child sends of such a stream after it, until it hears of the
 * refusal and stops, goes no further: its consumer would see a gap in a
 * stream that went on, or ended as if whole.
 *
 * @module
 */

import type { Address } from "./address.ts";
import { type Clock, SYSTEM_CLOCK } from "./clock.ts";
import type { WireMessage } from "./codec.ts";

/**
 * How long, in ms, a refused stream is remembered unless its end comes
 * first: what the child sent of it before it heard of the refusal (a
 * window's worth of parts at most) comes long before.
 */
export const REMEMBERED_FOR = 10_000;

/** The streams whose part the link refused: by child, by target, each messageId until when. */
export class RefusedStreams {
  readonly #byChild = new Map<Address, Map<Address, Map<string, number>>>();
  readonly #clock: Clock;

  constructor(clock: Clock = SYSTEM_CLOCK) {
    this.#clock = clock;
  }

  /**
   * Whether what `child` sends `to` may be part of a refused stream, to be
   * read and asked of {@linkcode RefusedStreams.broken}. Two map lookups:
   * the rest of the child's traffic is not read for it.
   */
  watches(child: Address, to: Address): boolean {
    return this.#byChild.size > 0 && this.#byChild.get(child)?.has(to) === true;
  }

  /** `child` sent `message` to `to`, and the link refused it: if a stream's part, its stream is broken. */
  refused(child: Address, to: Address, message: WireMessage | undefined): void {
    if (message?.re !== true || message.part !== true || message.messageId === undefined) return;
    let byTarget = this.#byChild.get(child);
    if (!byTarget) this.#byChild.set(child, byTarget = new Map());
    let streams = byTarget.get(to);
    if (!streams) byTarget.set(to, streams = new Map());
    streams.set(message.messageId, this.#clock.now() + REMEMBERED_FOR);
  }

  /**
   * Whether `message`, from `child` to `to`, belongs to a stream whose part
   * was refused: it goes no further. Its end (the answer that is not a
   * part) lets the stream be forgotten, as does time.
   */
  broken(child: Address, to: Address, message: WireMessage | undefined): boolean {
    const streams = this.#byChild.get(child)?.get(to);
    if (!streams) return false;
    const now = this.#clock.now();
    for (const [messageId, until] of streams) if (until <= now) streams.delete(messageId);
    const messageId = message?.re === true ? message.messageId : undefined;
    const broken = messageId !== undefined && streams.has(messageId);
    if (broken && message!.part !== true) streams.delete(messageId);
    if (streams.size === 0) this.#forget(child, to);
    return broken;
  }

  /** A process of `child` joined or left: what it sent before is no more. */
  childChanged(child: Address): void {
    this.#byChild.delete(child);
  }

  #forget(child: Address, to: Address): void {
    const byTarget = this.#byChild.get(child)!;
    byTarget.delete(to);
    if (byTarget.size === 0) this.#byChild.delete(child);
  }
}
