/**
 * What this host reads while its membership may have lapsed, held until a
 * refresh of its keys settles it. A host's subject is its name's
 * (`<prefix>.<host>`): a host paused, or cut off from NATS, for longer than
 * its keys live, whose name and ids another process took meanwhile, reads
 * what the others send that process, once it runs again, until its next
 * refresh finds a key taken and it leaves. Handled, the same messages were
 * delivered twice, once by each (154 to 162 of 300 in an outside review's
 * run). So nothing it reads then is handled until it knows: its keys kept,
 * what it held is handled, in order; one lost, it is dropped unread, and
 * so never confirmed (its senders learn of it as of a host that left, or
 * the process that took the name confirms it).
 *
 * @module
 */

/** Published messages read while this host's keys may have expired. */
export class HeldWhileLapsed {
  readonly #lapsed: () => boolean;
  readonly #handle: (bytes: Uint8Array) => void;
  /** What waits, in order; undefined while nothing is held. */
  #held: Uint8Array[] | undefined;

  /**
   * @param lapsed Whether this host's keys may have expired now.
   * @param handle Handles a published message.
   */
  constructor(lapsed: () => boolean, handle: (bytes: Uint8Array) => void) {
    this.#lapsed = lapsed;
    this.#handle = handle;
  }

  /** Handles `bytes` now, or holds them: while lapsed, or while older ones wait (order holds). */
  take(bytes: Uint8Array): void {
    if (this.#held || this.#lapsed()) (this.#held ??= []).push(bytes);
    else this.#handle(bytes);
  }

  /**
   * A refresh of this host's keys settled. Kept, and no longer lapsed (a
   * round whose writes were sent before a pause proves nothing of now),
   * what was held is handled, in order. Lost (this host leaves), it is
   * dropped.
   *
   * @returns How many held messages were dropped.
   */
  settled(kept: boolean): number {
    const held = this.#held;
    if (!held || (kept && this.#lapsed())) return 0;
    this.#held = undefined;
    if (!kept) return held.length;
    for (const bytes of held) this.#handle(bytes);
    return 0;
  }
}
