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
import type { WireMessage } from "./codec.ts";

/** How many refused streams are remembered, at most, the latest. */
const MOST_REMEMBERED = 1_024;

/** The streams whose part the link refused, by child, target and messageId. */
export class RefusedStreams {
  readonly #keys = new Set<string>();

  /** Whether none is remembered: what a relay checks first, at no cost. */
  get empty(): boolean {
    return this.#keys.size === 0;
  }

  /** `child` sent `message` to `to`, and the link refused it: if a stream's part, its stream is broken. */
  refused(child: Address, to: Address, message: WireMessage | undefined): void {
    if (message?.re !== true || message.part !== true || message.messageId === undefined) return;
    this.#keys.add(key(child, to, message.messageId));
    if (this.#keys.size > MOST_REMEMBERED) this.#keys.delete(this.#keys.values().next().value!);
  }

  /**
   * Whether `message`, from `child` to `to`, belongs to a stream whose part
   * was refused: it goes no further. Its last (the answer that ends it)
   * lets the stream be forgotten.
   */
  broken(child: Address, to: Address, message: WireMessage | undefined): boolean {
    if (message?.re !== true || message.messageId === undefined) return false;
    const at = key(child, to, message.messageId);
    if (!this.#keys.has(at)) return false;
    if (message.part !== true) this.#keys.delete(at);
    return true;
  }
}

function key(child: Address, to: Address, messageId: string): string {
  return JSON.stringify([child, to, messageId]);
}
