/**
 * The binary form of a message frame, for messages that carry bytes: the
 * byte 0 (a message frame is otherwise JSON and starts with `{`), the
 * length of the JSON as 4 bytes, unsigned, big-endian, the JSON, then the
 * bytes of each Uint8Array back to back, in the order of their tags.
 *
 * @module
 */

/** The first byte of a binary frame. */
export const BINARY = 0;
/** The marker and the JSON's length. */
const HEAD_SIZE = 5;
/**
 * The shared buffer grows to hold frames up to this size, so that a sender
 * of MiBs does not fault in fresh memory for each; larger ones get their own.
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
 * Writes a binary frame.
 *
 * @param json The message as JSON text.
 * @param attachments The bytes that follow it.
 * @param maxSize The largest frame allowed.
 * @returns The frame, as a view into a shared buffer valid until the next
 * call (a buffer of its own when very large); or its size, when that is
 * over `maxSize`.
 */
export function writeBinaryFrame(
  json: string,
  attachments: readonly Uint8Array[],
  maxSize: number,
): Uint8Array | number {
  let bytes = 0;
  for (const attachment of attachments) bytes += attachment.byteLength;
  // UTF-8 takes one to three bytes per UTF-16 unit: a frame over the limit
  // even at one is refused before anything is allocated for it (its exact
  // size measured for the error); else the JSON is encoded straight into
  // room for three.
  if (HEAD_SIZE + json.length + bytes > maxSize) {
    return HEAD_SIZE + utf8.encode(json).length + bytes;
  }
  const room = HEAD_SIZE + json.length * 3 + bytes;
  const frame = room <= scratch.length ? scratch : new Uint8Array(room);
  if (room <= SCRATCH_LIMIT) scratch = frame;
  const { written } = utf8.encodeInto(json, frame.subarray(HEAD_SIZE));
  if (HEAD_SIZE + written + bytes > maxSize) return HEAD_SIZE + written + bytes;
  let at = HEAD_SIZE + written;
  frame[0] = BINARY;
  new DataView(frame.buffer, frame.byteOffset).setUint32(1, written);
  for (const attachment of attachments) {
    frame.set(attachment, at);
    at += attachment.byteLength;
  }
  return frame.subarray(0, at);
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
