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
  /**
   * Whether the attachments are in memory of their own (read so by the
   * transport, see {@linkcode ReceivedBinaryFrame}), so that one array
   * taking them all may be handed on as it is; else a view into the
   * frame, to copy from.
   */
  own: boolean;
}

/**
 * A binary frame received in two parts: this array is its head (the
 * marker, the JSON's length, the JSON), and {@linkcode attachments} are
 * its bytes, read by the transport straight into memory of their own. A
 * large `Uint8Array` then reaches its receiver without a copy: raw
 * sockets read a large frame into an array of its size, and copying it
 * out of a read buffer instead cost the receiver 6–25% of a raw one's
 * MB/s (bench/BYTES.md). Views and copies made from it (`subarray`,
 * `slice`) are plain arrays of the head alone: {@linkcode copyFrame}
 * copies the whole frame.
 */
export class ReceivedBinaryFrame extends Uint8Array {
  /** Views and copies of the head are plain arrays, which say nothing of attachments. */
  static get [Symbol.species](): Uint8ArrayConstructor {
    return Uint8Array;
  }

  /** The frame's bytes after its head, in memory of their own. */
  readonly attachments: Uint8Array;

  constructor(head: Uint8Array<ArrayBuffer>, attachments: Uint8Array) {
    super(head.buffer, head.byteOffset, head.length);
    this.attachments = attachments;
  }
}

/**
 * How many of a frame's first bytes tell where its attachments start: the
 * marker; then, for a binary frame, the head (marker, length, JSON), after
 * which its attachments start, once `end - at` reaches it. The frame starts
 * at `at`, and `end` is where the bytes received so far end. `Infinity`
 * for a frame that is not binary: only all of it will do.
 */
export function headBytesNeeded(bytes: Uint8Array, at: number, end: number): number {
  if (end === at) return 1;
  if (bytes[at] !== BINARY) return Infinity;
  if (end - at < HEAD_SIZE) return HEAD_SIZE;
  return HEAD_SIZE + bytes[at + 1] * 0x100_0000 +
    ((bytes[at + 2] << 16) | (bytes[at + 3] << 8) | bytes[at + 4]);
}

/** A received frame's length, head and attachments. */
export function frameLength(payload: Uint8Array): number {
  return payload instanceof ReceivedBinaryFrame
    ? payload.length + payload.attachments.length
    : payload.length;
}

/** A received frame, whole, in memory of its own. */
export function copyFrame(payload: Uint8Array): Uint8Array {
  if (!(payload instanceof ReceivedBinaryFrame)) return payload.slice();
  const copy = new Uint8Array(frameLength(payload));
  copy.set(payload);
  copy.set(payload.attachments, payload.length);
  return copy;
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
  const json = payload.subarray(HEAD_SIZE, HEAD_SIZE + length);
  if (payload instanceof ReceivedBinaryFrame) {
    // The head is exactly the marker, the length and the JSON.
    if (HEAD_SIZE + length !== payload.length) return undefined;
    return { json, attachments: payload.attachments, own: true };
  }
  return { json, attachments: payload.subarray(HEAD_SIZE + length), own: false };
}
