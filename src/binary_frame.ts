/**
 * The binary form of a message frame, for messages that carry bytes: the
 * byte 0 (a message frame is otherwise JSON and starts with `{`), the
 * length of the JSON as 4 bytes, unsigned, big-endian, the JSON, then the
 * bytes of each Uint8Array back to back, in the order of their tags.
 *
 * @module
 */

import type { PayloadPieces } from "./transport.ts";

/** The first byte of a binary frame. */
export const BINARY = 0;
/** The marker and the JSON's length. */
const HEAD_SIZE = 5;
/**
 * The shared head buffer grows to hold heads up to this size, so that a
 * message whose JSON is large beside its arrays does not fault in fresh
 * memory for each; larger ones get their own.
 */
const SCRATCH_LIMIT = 8 * 1024 * 1024;

const utf8 = new TextEncoder();
let scratch = new Uint8Array(0);

/** A binary frame, read: views into the payload. */
export interface BinaryParts {
  /** The message's JSON, as UTF-8. */
  json: Uint8Array;
  /** The attachments, back to back. */
  attachments: Uint8Array;
}

/**
 * Writes a binary frame's head, and returns the frame in pieces: the head,
 * then the attachments themselves, for the transport to copy once into
 * where the frame goes.
 *
 * @param json The message as JSON text.
 * @param attachments The bytes that follow it.
 * @param maxSize The largest frame allowed.
 * @returns The frame, its head a view into a shared buffer valid until the
 * next call (a buffer of its own when very large); or its size, when that
 * is over `maxSize`.
 */
export function writeBinaryFrame(
  json: string,
  attachments: readonly Uint8Array[],
  maxSize: number,
): PayloadPieces | number {
  let bytes = 0;
  for (const attachment of attachments) bytes += attachment.byteLength;
  // UTF-8 takes one to three bytes per UTF-16 unit: a frame over the limit
  // even at one is refused before anything is allocated for it (its exact
  // size measured for the error); else the JSON is encoded straight into
  // room for three.
  if (HEAD_SIZE + json.length + bytes > maxSize) {
    return HEAD_SIZE + utf8.encode(json).length + bytes;
  }
  const room = HEAD_SIZE + json.length * 3;
  const head = room <= scratch.length ? scratch : new Uint8Array(room);
  if (room <= SCRATCH_LIMIT) scratch = head;
  const { written } = utf8.encodeInto(json, head.subarray(HEAD_SIZE));
  if (HEAD_SIZE + written + bytes > maxSize) return HEAD_SIZE + written + bytes;
  const end = HEAD_SIZE + written;
  head[0] = BINARY;
  new DataView(head.buffer, head.byteOffset).setUint32(1, written);
  return { pieces: [head.subarray(0, end), ...attachments], length: end + bytes };
}

/** Whether a payload is a binary frame. */
export function isBinaryFrame(payload: Uint8Array): boolean {
  return payload[0] === BINARY;
}

/** Splits a binary frame; undefined when its JSON's length is past its end. */
export function readBinaryFrame(payload: Uint8Array): BinaryParts | undefined {
  if (payload.length < HEAD_SIZE) return undefined;
  const length = new DataView(payload.buffer, payload.byteOffset).getUint32(1);
  if (HEAD_SIZE + length > payload.length) return undefined;
  return {
    json: payload.subarray(HEAD_SIZE, HEAD_SIZE + length),
    attachments: payload.subarray(HEAD_SIZE + length),
  };
}
