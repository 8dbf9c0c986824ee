/**
 * Payloads in pieces ({@linkcode PayloadPieces}): written one after the
 * other where they go, or joined for what needs them in one array.
 *
 * @module
 */

import type { Payload, PayloadPieces } from "./transport.ts";

/** The joining buffer grows to hold payloads up to this size; larger ones get their own. */
const SCRATCH_LIMIT = 8 * 1024 * 1024;

const utf8 = new TextEncoder();
let scratch = new Uint8Array(0);

/** Whether a payload is in pieces. */
export function isPieces(payload: Payload): payload is PayloadPieces {
  return typeof payload === "object" && !ArrayBuffer.isView(payload);
}

/** Writes the pieces back to back into `target` from `at`, which must have room. */
export function writePieces(payload: PayloadPieces, target: Uint8Array, at: number): void {
  for (const piece of payload.pieces) {
    target.set(piece, at);
    at += piece.length;
  }
}

/**
 * The pieces joined, in a buffer shared by every call, valid until the
 * next (one of its own when very large), so that a sender of MiBs does not
 * fault in fresh memory for each.
 */
export function joinPieces(payload: PayloadPieces): Uint8Array {
  const size = payload.length;
  const target = size <= scratch.length ? scratch : new Uint8Array(size);
  if (size <= SCRATCH_LIMIT) scratch = target;
  writePieces(payload, target, 0);
  return target.subarray(0, size);
}

/** A copy of a payload's bytes, in memory of its own. */
export function copyPayload(payload: Payload): Uint8Array {
  if (typeof payload === "string") return utf8.encode(payload);
  if (!isPieces(payload)) return payload.slice();
  const copy = new Uint8Array(payload.length);
  writePieces(payload, copy, 0);
  return copy;
}
