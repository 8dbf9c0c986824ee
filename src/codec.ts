/**
 * The message codec: a message is one UTF-8 JSON object per frame, its
 * `data` tagged where it holds what JSON alone cannot carry
 * (`wire_values.ts`), followed by the bytes of its Uint8Arrays when it
 * has any (`binary_frame.ts`). Encoding refuses what would arrive changed;
 * decoding checks the shape (`message_shape.ts`) so that code past this
 * point can trust every field.
 *
 * @module
 */

import type { Address, ANY } from "./address.ts";
import { describeTarget, isAddress, type Target } from "./address.ts";
import { isBinaryFrame, readBinaryFrame, writeBinaryFrame } from "./binary_frame.ts";
import { FrameError } from "./errors.ts";
import type { Payload } from "./transport.ts";
import { BOM_PROBLEM, holdsNumberOutOfRange, RANGE_PROBLEM, startsWithBom } from "./json_range.ts";
import { isPieces, joinPieces } from "./payload_pieces.ts";
import { isPlainJson } from "./plain_json.ts";
import { actionOf, checkShape } from "./message_shape.ts";
import { reviveData } from "./wire_revive.ts";
import { type Tag, toWireData, type WireData } from "./wire_values.ts";

/** A message as it travels, field for field (README "Protocol"). */
export interface WireMessage {
  /** What the message means; the receiver's listeners are keyed by it. */
  action: string;
  /** The payload; absent when `undefined` was sent. */
  data?: unknown;
  /** Set on a request, and on the response that answers it. */
  messageId?: string;
  /** `true` on a response, so that it never triggers a response itself. */
  re?: true;
  /** On a request: how many ms its requester waits for the answer. */
  timeout?: number;
  /** On a request: answer with a stream of parts, at most this many ahead of the requester. */
  stream?: number;
  /** On a response: one part of a streamed answer; more follow. */
  part?: true;
  /** On a failed response instead of `data`: what the handler threw. */
  error?: WireError;
  /** Where `data` holds values JSON alone cannot carry, and of which kind. */
  tags?: Tag[];
}

/** An error as it travels inside a failed response. */
export interface WireError {
  /** The error's `name`, e.g. `"TypeError"` or `"NoHandlerError"`. */
  name: string;
  /** The error's `message`. */
  message: string;
  /** The stack on the side that threw, when there was one. */
  stack?: string;
  /** On Switchboard's own `ValidationError`: the action whose schema the data failed. */
  schema?: string;
  /** With `schema`: what is wrong, where (keys and indexes from `data`). */
  issues?: { message: string; path: (string | number)[] }[];
  /**
   * On a request a stopping process did not take (nothing of it ran): the
   * failed response's `data` is the request's, to send to another worker.
   */
  stopping?: true;
  /**
   * On a request that never reached the process it was for (another host
   * could not hand it over: that process is not connected, say): nothing
   * of it ran; `data` is the request's, to send to another worker.
   */
  undelivered?: true;
}

const SCRATCH_SIZE = 64 * 1024;
/** Strings up to this long are encoded in the shared scratch buffer. */
const SCRATCH_LIMIT = 1024 * 1024;

const utf8 = new TextEncoder();
const lenient = new TextDecoder();
const strict = new TextDecoder("utf-8", { fatal: true });
let scratch = new Uint8Array(SCRATCH_SIZE);

/**
 * Encodes a message for a transport to send.
 *
 * @param message The message to encode.
 * @param maxFrameSize The largest encoding allowed, in bytes.
 * @param to Who it is for, to name in errors; left out, every worker.
 * @param sent Told the data as it goes: what a `toJSON` gave, say.
 * @returns The JSON text, when its UTF-8 form surely fits `maxFrameSize`
 * (at three bytes a unit); else its bytes, measured exactly, as a view into
 * a shared buffer that is valid until the next call; or, when it carries
 * `Uint8Array`s, the binary frame in pieces (its head in a shared buffer,
 * then the arrays themselves), valid as long. (The message object may be
 * changed: its data replaced by their wire form.)
 * @throws {FrameError} When the data holds something that would not arrive
 * as it was sent, or the encoding is over `maxFrameSize`.
 */
export function encodeMessage(
  message: WireMessage,
  maxFrameSize: number,
  to: Target | typeof ANY | undefined,
  sent?: (data: unknown) => void,
): Payload {
  if (message.data instanceof EncodedData) {
    return encodeAround(message, message.data, maxFrameSize, to, sent);
  }
  let attachments: readonly Uint8Array[] = NO_ATTACHMENTS;
  // Plain JSON, the common case, travels as it is; the rest is converted.
  if (message.data !== undefined && !isPlainJsonRead(message.data)) {
    const wire = wireData(message.action, message.data, maxFrameSize, to);
    // What was checked is what is sent: a toJSON is not called twice.
    if (wire.tags.length > 0) {
      message = { ...message, data: wire.value, tags: wire.tags };
      attachments = wire.attachments;
    } else if (wire.value !== message.data) {
      message = { ...message, data: wire.value };
    }
  }
  sent?.(message.data);
  return framed(
    stringify(message, maxFrameSize, to),
    attachments,
    message.action,
    to,
    maxFrameSize,
  );
}

/**
 * A message's data encoded once for many messages that differ in the rest
 * (a request to many targets, each with its own messageId): its JSON text,
 * and what JSON alone cannot carry. Handed to {@linkcode encodeMessage} as
 * a message's `data`, it is used as it is: not walked or stringified again.
 */
export class EncodedData {
  /**
   * @param json The data's JSON, in its wire form.
   * @param value The data in its wire form (what a `toJSON` gave, say), as `sent` is told it.
   * @param tags Where the data holds values JSON alone cannot carry; undefined when it holds none.
   * @param attachments The bytes of its `Uint8Array`s, in order.
   */
  constructor(
    readonly json: string,
    readonly value: unknown,
    readonly tags: Tag[] | undefined,
    readonly attachments: readonly Uint8Array[],
  ) {}
}

/**
 * Encodes a message's data once, to send in many messages (see
 * {@linkcode EncodedData}); undefined, which is not sent, stays so.
 *
 * @throws {FrameError} When the data holds something that would not arrive
 * as it was sent, or its JSON is longer than a string can hold. (Whether
 * each message fits `maxFrameSize` is checked as it is encoded.)
 */
export function encodeData(
  action: string,
  data: unknown,
  maxFrameSize: number,
  to: Target | typeof ANY | undefined,
): EncodedData | undefined {
  if (data === undefined) return undefined;
  if (isPlainJsonRead(data)) {
    return new EncodedData(
      stringify(data, maxFrameSize, to, action),
      data,
      undefined,
      NO_ATTACHMENTS,
    );
  }
  // A toJSON that gave undefined comes back as null, tagged "undefined", as encodeMessage sends it.
  const { value, tags, attachments } = wireData(action, data, maxFrameSize, to);
  const json = stringify(value, maxFrameSize, to, action);
  return tags.length === 0
    ? new EncodedData(json, value, undefined, NO_ATTACHMENTS)
    : new EncodedData(json, value, tags, attachments);
}

/** A message whose data was encoded already: the rest is stringified, and the data's JSON put in. */
function encodeAround(
  message: WireMessage,
  data: EncodedData,
  maxFrameSize: number,
  to: Target | typeof ANY | undefined,
  sent?: (data: unknown) => void,
): Payload {
  const { data: _, ...rest } = message;
  sent?.(data.value);
  // Never empty: every message has an action. Key order means nothing to a reader of JSON.
  const fields = JSON.stringify(data.tags === undefined ? rest : { ...rest, tags: data.tags });
  const text = `{"data":${data.json},${fields.slice(1)}`;
  return framed(text, data.attachments, message.action, to, maxFrameSize);
}

/** Data JSON alone cannot carry, converted to its wire form. */
function wireData(
  action: string,
  data: unknown,
  maxFrameSize: number,
  to: Target | typeof ANY | undefined,
): WireData {
  const wire = toWireData(data, maxFrameSize);
  if (typeof wire === "string") throw cannotSend(action, to, wire);
  return wire;
}

/** A message's JSON as a payload: its text, its UTF-8 bytes, or a binary frame with its attachments. */
function framed(
  text: string,
  attachments: readonly Uint8Array[],
  action: string,
  to: Target | typeof ANY | undefined,
  maxFrameSize: number,
): Payload {
  if (attachments.length > 0) {
    const frame = writeBinaryFrame(text, attachments, maxFrameSize);
    if (typeof frame === "number") throw tooLarge(action, to, frame, maxFrameSize);
    return frame;
  }
  if (text.length * 3 <= maxFrameSize) return text;
  const bytes = toUtf8(text);
  if (bytes.length > maxFrameSize) throw tooLarge(action, to, bytes.length, maxFrameSize);
  return bytes;
}

/** Whether data is plain JSON; not, when reading it threw (the walk then says where). */
function isPlainJsonRead(data: unknown): boolean {
  try {
    return isPlainJson(data);
  } catch {
    return false;
  }
}

/**
 * The UTF-8 bytes of a payload: to encode text once for many receivers, or
 * to know its size exactly. A view into a shared buffer, valid until the
 * next call.
 */
export function toBytes(payload: Payload): Uint8Array {
  if (typeof payload === "string") return toUtf8(payload);
  return isPieces(payload) ? joinPieces(payload) : payload;
}

/**
 * Decodes and checks one frame payload.
 *
 * @param payload The frame's bytes.
 * @param from Who sent it, to name in errors, e.g. `"worker 1"`, or
 * something with that `name` (and its `address`, for the error's `peer`),
 * read only for an error.
 * @throws {FrameError} When it is not UTF-8 JSON of a message's shape,
 * with tags that fit its data.
 */
export function decodeMessage(
  payload: Uint8Array,
  from: FrameSender,
): WireMessage {
  let attachments: Uint8Array | undefined;
  let own = false;
  if (isBinaryFrame(payload)) {
    const parts = readBinaryFrame(payload);
    if (parts === undefined) throw badFrame(from, "its JSON's length is past its end");
    payload = parts.json;
    ({ attachments, own } = parts);
  }
  if (startsWithBom(payload)) throw badFrame(from, BOM_PROBLEM);
  let text = lenient.decode(payload);
  // Replacement characters are rare, so only then pay for strict decoding,
  // which tells a sent U+FFFD from invalid bytes.
  if (text.includes("\uFFFD")) {
    try {
      text = strict.decode(payload);
    } catch (error) {
      throw badFrame(from, "it is not valid UTF-8", error);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badFrame(from, "it is not valid JSON", error);
  }
  if (holdsNumberOutOfRange(value)) {
    throw badFrame(from, RANGE_PROBLEM, undefined, actionOf(value));
  }
  const shapeProblem = checkShape(value);
  if (shapeProblem) throw badFrame(from, shapeProblem, undefined, actionOf(value));
  const message = value as WireMessage;
  if (message.tags === undefined) {
    if (attachments === undefined || attachments.length === 0) return message;
    throw badFrame(from, "it has bytes after its JSON and no tags", undefined, message.action);
  }
  const revived = reviveData(message.data, message.tags, attachments ?? EMPTY, own);
  if (typeof revived === "string") throw badFrame(from, revived, undefined, message.action);
  message.data = revived.data;
  return message;
}

/** Who sent a frame: a name, or something with a name and maybe an address, read only for errors. */
type FrameSender = string | { readonly name: string; readonly address?: Address };

const EMPTY = new Uint8Array(0);
const NO_ATTACHMENTS: readonly Uint8Array[] = [];

function toUtf8(text: string): Uint8Array {
  // encodeInto a ready buffer is many times faster than encode(), which
  // allocates; three bytes per UTF-16 unit is the worst case.
  if (text.length * 3 <= scratch.length) {
    return scratch.subarray(0, utf8.encodeInto(text, scratch).written);
  }
  if (text.length * 3 <= SCRATCH_LIMIT * 3) {
    scratch = new Uint8Array(text.length * 3);
    return scratch.subarray(0, utf8.encodeInto(text, scratch).written);
  }
  // Try the common all-ASCII case in a buffer of exactly its size first.
  const exact = new Uint8Array(text.length);
  const { read, written } = utf8.encodeInto(text, exact);
  if (read === text.length) return exact.subarray(0, written);
  const roomy = new Uint8Array(text.length * 3);
  return roomy.subarray(0, utf8.encodeInto(text, roomy).written);
}

function cannotSend(
  action: string,
  to: Target | typeof ANY | undefined,
  problem: string,
): FrameError {
  return new FrameError(
    `Cannot send "${action}" to ${describeTarget(to)}: ${problem}`,
    { action, peer: isAddress(to) ? to : undefined },
  );
}

/** A message's JSON, or its data's; one longer than a string can hold is refused as over the limit. */
function stringify(
  value: unknown,
  maxFrameSize: number,
  to: Target | typeof ANY | undefined,
  action = (value as WireMessage).action,
): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    // V8's strings end at 2^29 - 24 characters, far over any frame limit.
    if (error instanceof RangeError && /string length/i.test(error.message)) {
      throw tooLarge(action, to, "longer than a string can hold", maxFrameSize);
    }
    throw error;
  }
}

function tooLarge(
  action: string,
  to: Target | typeof ANY | undefined,
  size: number | string,
  maxFrameSize: number,
): FrameError {
  const what = typeof size === "number" ? `${size} bytes` : size;
  return new FrameError(
    `Cannot send "${action}" to ${
      describeTarget(to)
    }: the message is ${what}, over the ${maxFrameSize}-byte limit (maxFrameSize)`,
    { action, peer: isAddress(to) ? to : undefined },
  );
}

/**
 * A bad frame's error, naming its sender, and its action when it has one
 * (said, and the error's `action`): before, a frame whose action was fine
 * and a field was not named only its sender.
 */
function badFrame(
  from: FrameSender,
  problem: string,
  cause?: unknown,
  action?: string,
): FrameError {
  const which = action === undefined ? "" : ` (action "${action}")`;
  return new FrameError(
    `Bad frame from ${typeof from === "string" ? from : from.name}: ${problem}${which}`,
    { cause, action, peer: typeof from === "string" ? undefined : from.address },
  );
}
