/**
 * Lending: a sender's large arrays queued by reference instead of copied.
 * Each array's buffer is detached from the caller at the call (so what is
 * sent cannot change), written from where it is, and given back, transferred
 * again, once every connection it was queued on has written it, or has
 * copied it (closing with it unwritten) or dropped it. A call holds every
 * buffer until it returns, so a send that queued nothing, or that only copied
 * (NATS, relays, a sibling not joined yet, the memory transport), gives back
 * as it returns.
 *
 * @module
 */

import { isPieces } from "./payload_pieces.ts";
import type { Payload } from "./transport.ts";

/** Arrays smaller than this are copied: a copy is cheaper than the bookkeeping. */
export const LEND_MIN_BYTES = 64 * 1024;

/** One lent buffer: how many queues still hold it, and the call it belongs to. */
interface Loan {
  holds: number;
  readonly lending: Lending;
}

/** Lent buffers by the buffer the send path writes from. */
const loans = new WeakMap<ArrayBufferLike, Loan>();

/** The arrays of one call, and the promise of them given back. */
export class Lending {
  /** The arrays lent, in the order the value walk found them, as the send path holds them. */
  readonly #lent: { buffer: ArrayBuffer; offset: number; length: number }[] = [];
  /** Buffers not yet given back, and each one's buffer given back. */
  #outstanding = 0;
  readonly #given = new Map<ArrayBufferLike, ArrayBuffer>();
  readonly #back = Promise.withResolvers<Uint8Array<ArrayBuffer>[]>();

  /** Whether any array was lent (detached from the caller). */
  get lent(): boolean {
    return this.#lent.length > 0;
  }

  /** Resolves with the arrays once every buffer is given back. */
  get back(): Promise<Uint8Array<ArrayBuffer>[]> {
    return this.#back.promise;
  }

  /**
   * Lends the arrays of an encoded message (its attachments, after the
   * head): each on an `ArrayBuffer` of {@linkcode LEND_MIN_BYTES} or more is
   * detached from the caller and replaced by a view of the same offset and
   * length on the transferred buffer; views sharing a buffer share one loan.
   */
  lend(payload: Payload): Payload {
    if (!isPieces(payload) || payload.pieces.length < 2) return payload;
    // Read before any transfer, which leaves every view of the buffer empty.
    // A buffer is lent whole if any view of it is lendable: then its small
    // views too travel from the lent buffer.
    const offsets = payload.pieces.map((piece) => piece.byteOffset);
    const lengths = payload.pieces.map((piece) => piece.length);
    const lendables = new Set(payload.pieces.filter((piece, i) => i > 0 && lendable(piece)));
    const toLend = new Set([...lendables].map((piece) => piece.buffer));
    const moved = new Map<ArrayBufferLike, ArrayBuffer>();
    const pieces = payload.pieces.map((piece, i) => {
      if (i === 0 || !toLend.has(piece.buffer)) return piece;
      let buffer = moved.get(piece.buffer);
      if (buffer === undefined) {
        buffer = (piece.buffer as ArrayBuffer).transfer();
        moved.set(piece.buffer, buffer);
        loans.set(buffer, { holds: 1, lending: this });
        this.#outstanding++;
      }
      this.#lent.push({ buffer, offset: offsets[i], length: lengths[i] });
      return new Uint8Array(buffer, offsets[i], lengths[i]);
    });
    return { pieces, length: payload.length };
  }

  /** The call returned: its own hold on every buffer ends. */
  returned(): void {
    for (const buffer of new Set(this.#lent.map((array) => array.buffer))) letGoOf(buffer);
    if (this.#lent.length === 0) this.#settle();
  }

  /** A buffer's last hold ended: transferred again, to the caller. */
  giveBack(buffer: ArrayBuffer): void {
    this.#given.set(buffer, buffer.transfer());
    if (--this.#outstanding === 0) this.#settle();
  }

  #settle(): void {
    this.#back.resolve(
      this.#lent.map(({ buffer, offset, length }) =>
        new Uint8Array(this.#given.get(buffer)!, offset, length)
      ),
    );
  }
}

/** Whether the send path may queue this array by reference (it is lent). */
export function isLent(bytes: Uint8Array): boolean {
  return loans.has(bytes.buffer);
}

/** A queue holds a lent array until it writes, copies or drops it. */
export function hold(bytes: Uint8Array): void {
  loans.get(bytes.buffer)!.holds++;
}

/** A queue is done with a lent array: at the last hold, it is given back. */
export function letGo(bytes: Uint8Array): void {
  letGoOf(bytes.buffer);
}

function letGoOf(buffer: ArrayBufferLike): void {
  const loan = loans.get(buffer);
  if (loan === undefined || --loan.holds > 0) return;
  loans.delete(buffer);
  loan.lending.giveBack(buffer as ArrayBuffer);
}

function lendable(bytes: Uint8Array): boolean {
  const buffer = bytes.buffer;
  return bytes.length >= LEND_MIN_BYTES && buffer instanceof ArrayBuffer &&
    !buffer.detached && !loans.has(buffer);
}
