/**
 * Messages in and out of frame payloads, as Switchboard's `src/codec.ts`
 * reads and writes them (README "Protocol": Frames, Values). A payload is
 * UTF-8 JSON (its first byte `{`), or the binary form for data that holds
 * bytes: the byte 0x00, the JSON's length as 4 bytes (unsigned,
 * big-endian), the JSON, then the bytes of each Uint8Array back to back.
 * What JSON alone would drop or mangle travels as a tagged stand-in
 * (`wire_values.mjs`, read back by `wire_revive.mjs`).
 *
 * Encoding refuses what would arrive changed; decoding checks the shape,
 * as strictly as Switchboard does, so that code past this point can trust
 * every field. Like Switchboard's own codec, this writes the binary form
 * only when there are bytes to attach; other tags travel in the JSON form.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { describeTarget, isAddress } from "./address.mjs";
import { FrameError } from "./errors.mjs";
import { reviveData } from "./wire_revive.mjs";
import { toWireData } from "./wire_values.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/** The first byte of a payload in the binary form. */
const BINARY = 0x00;
/** The marker and the JSON's length. */
const BINARY_HEAD = 5;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Why a frame that begins with a byte order mark is refused, as
 * Switchboard says it (`src/json_range.ts`): no peer writes one, and JSON
 * sent over a network must not have one (RFC 8259).
 */
const BOM_PROBLEM = "it begins with a byte order mark, which no peer writes";
/**
 * Why a frame with a number out of a double's range (`1e400`) is refused,
 * as Switchboard says it: JSON.parse reads it as Infinity, which
 * JSON.stringify writes as null, so it cannot go back as it came.
 */
const RANGE_PROBLEM =
  "it holds a number out of a double's range, which would read as Infinity and go back as null";
/**
 * Whether `value`, as JSON.parse made it, holds a number that is not
 * finite: walked always, as Switchboard's `src/json_range.ts` does (a
 * screen of the text first cost more than the walk).
 *
 * @param {unknown} value
 * @returns {boolean}
 */
function holdsNumberOutOfRange(value) {
  // A stack, not recursion: JSON.parse nests deeper than the call stack goes.
  const left = [value];
  while (left.length > 0) {
    const next = left.pop();
    if (typeof next === "number") {
      if (!Number.isFinite(next)) return true;
    } else if (Array.isArray(next)) {
      for (let i = 0; i < next.length; i++) left.push(next[i]);
    } else if (typeof next === "object" && next !== null) {
      // Its own keys only: JSON.parse makes no others.
      for (const key in next) left.push(next[key]);
    }
  }
  return false;
}

/**
 * Encodes a message, tagging what plain JSON cannot carry.
 *
 * @param {{ action: string, data?: unknown, [field: string]: unknown }} message
 * @param {number} maxFrameSize The largest payload allowed.
 * @param {Address | Address[]} [to] Who it is for, to name in errors; left
 * out, every worker.
 * @param {(data: unknown) => void} [sent] Told the data as it goes: what a
 * `toJSON` gave, say.
 * @returns {Buffer} The payload.
 * @throws {FrameError} When the data holds something that would not arrive
 * as it was sent (a function, a symbol, a cycle, a typed array other than
 * Uint8Array, a class instance without `toJSON`), or the payload is over
 * `maxFrameSize`.
 */
export function encodeMessage(message, maxFrameSize, to, sent) {
  let attachments = [];
  if (message.data !== undefined) {
    const wire = toWireData(message.data, maxFrameSize);
    if (typeof wire === "string") {
      throw new FrameError(
        `Cannot send "${message.action}" to ${describeTarget(to)}: ${wire}`,
        { action: message.action, peer: isAddress(to) ? to : undefined },
      );
    }
    // What was checked is what is sent: a toJSON is not called twice.
    if (wire.tags.length > 0) {
      message = { ...message, data: wire.value, tags: wire.tags };
      attachments = wire.attachments;
    } else if (wire.value !== message.data) {
      message = { ...message, data: wire.value };
    }
  }
  sent?.(message.data);
  const json = Buffer.from(stringify(message, maxFrameSize, to));
  let payload = json;
  if (attachments.length > 0) {
    const head = Buffer.allocUnsafe(BINARY_HEAD);
    head[0] = BINARY;
    head.writeUInt32BE(json.length, 1);
    payload = Buffer.concat([head, json, ...attachments]);
  }
  if (payload.length > maxFrameSize) {
    throw new FrameError(
      `Cannot send "${message.action}" to ${
        describeTarget(to)
      }: the message is ${payload.length} bytes, over the ${maxFrameSize}-byte limit (maxFrameSize)`,
      { action: message.action, peer: isAddress(to) ? to : undefined },
    );
  }
  return payload;
}

/**
 * The message's JSON; one longer than a string can hold is refused as over
 * the limit, as Switchboard's codec does.
 *
 * @param {{ action: string }} message
 * @param {number} maxFrameSize
 * @param {Address | Address[] | undefined} to
 * @returns {string}
 */
function stringify(message, maxFrameSize, to) {
  try {
    return JSON.stringify(message);
  } catch (error) {
    // V8's strings end at 2^29 - 24 characters, far over any frame limit.
    if (error instanceof RangeError && /string length/i.test(error.message)) {
      throw new FrameError(
        `Cannot send "${message.action}" to ${
          describeTarget(to)
        }: the message is longer than a string can hold, over the ${maxFrameSize}-byte limit (maxFrameSize)`,
        { action: message.action, peer: isAddress(to) ? to : undefined },
      );
    }
    throw error;
  }
}

/**
 * Decodes one payload, checks its shape, and revives its tagged values.
 *
 * @param {Uint8Array} payload
 * @param {string} from Who sent it, to name in errors: `worker 1`,
 * `service "logger"`, `the manager`.
 * @param {number | string} [address] Its address, when known: the
 * errors' `peer`.
 * @returns {{ action: string, data?: unknown, messageId?: string, re?: true, timeout?: number,
 *   stream?: number, part?: true, error?: { name: string, message: string, stack?: string, schema?: string, stopping?: true, undelivered?: true } }}
 * @throws {FrameError} `Bad frame from <from>: …`, when it is not UTF-8
 * JSON of a message's shape, with tags that fit its data and bytes.
 */
export function decodeMessage(payload, from, address) {
  let json = payload;
  let attachments;
  if (payload[0] === BINARY) {
    const length = payload.length < BINARY_HEAD
      ? Infinity
      : Buffer.from(payload.buffer, payload.byteOffset, payload.length).readUInt32BE(1);
    if (BINARY_HEAD + length > payload.length) {
      throw badFrame(from, address, "its JSON's length is past its end");
    }
    json = payload.subarray(BINARY_HEAD, BINARY_HEAD + length);
    attachments = payload.subarray(BINARY_HEAD + length);
  }
  // TextDecoder drops it unasked: refused, as Switchboard's codec refuses it (src/json_range.ts).
  if (json[0] === 0xef && json[1] === 0xbb && json[2] === 0xbf) {
    throw badFrame(from, address, BOM_PROBLEM);
  }
  let text;
  try {
    text = strictUtf8.decode(json);
  } catch (error) {
    throw badFrame(from, address, "it is not valid UTF-8", error);
  }
  let message;
  try {
    message = JSON.parse(text);
  } catch (error) {
    throw badFrame(from, address, "it is not valid JSON", error);
  }
  if (holdsNumberOutOfRange(message)) {
    throw badFrame(from, address, RANGE_PROBLEM, undefined, actionOf(message));
  }
  const problem = shapeProblem(message);
  if (problem) throw badFrame(from, address, problem, undefined, actionOf(message));
  if (message.tags === undefined) {
    // README: a binary frame without "bytes" tags is valid when nothing follows its JSON.
    if (attachments === undefined || attachments.length === 0) return message;
    throw badFrame(
      from,
      address,
      "it has bytes after its JSON and no tags",
      undefined,
      message.action,
    );
  }
  const revived = reviveData(message.data, message.tags, attachments ?? EMPTY);
  if (typeof revived === "string") {
    throw badFrame(from, address, revived, undefined, message.action);
  }
  message.data = revived.data;
  delete message.tags;
  return message;
}

const EMPTY = new Uint8Array(0);

/** The most of an error's message that goes when the whole would not fit a frame. */
export const SHORT_MESSAGE = 1000;
/** The most that goes when even that would not: six bytes a character fit 4 KiB. */
export const SHORTEST_MESSAGE = 100;

/**
 * An error answer cut to `most` characters of each text: its name, the
 * start of its message, no stack (an empty one if it had one), as
 * Switchboard cuts one (src/cut_short.ts).
 *
 * @param {{ name: string, message: string, stack?: string }} error
 * @param {number} most
 * @returns {{ name: string, message: string, stack?: string }}
 */
export function cutShort(error, most) {
  const { name, message } = error;
  const rest = message.length - most;
  const short = {
    name: name.slice(0, most),
    message: rest > 0 ? `${message.slice(0, most)}… (${rest} more characters)` : message,
  };
  // Empty, a stack still says a handler threw it: without one, an error
  // named "NoHandlerError" is Switchboard's own "nobody listens here".
  if (error.stack !== undefined) short.stack = "";
  return short;
}

/**
 * What was thrown that is no `Error`, in words: as `String()` writes it,
 * but an object without a `toString` of its own (`{ status: 404 }`, which
 * would say "[object Object]") as its JSON.
 *
 * @param {unknown} thrown
 * @returns {string}
 */
function thrownText(thrown) {
  let text;
  try {
    text = String(thrown);
  } catch {
    // An object without a prototype has no toString.
    text = Object.prototype.toString.call(thrown);
  }
  if (typeof thrown !== "object" || thrown === null || !text.startsWith("[object ")) return text;
  try {
    return JSON.stringify(thrown) ?? text;
  } catch {
    // A cycle, a BigInt: as String() wrote it.
    return text;
  }
}

/**
 * Converts the error a handler threw into the form a failed response
 * carries: `{name, message, stack?}`. Never throws, whatever was thrown: a
 * handler's odd error must not break the connection its answer travels on.
 *
 * @param {unknown} thrown
 * @returns {{ name: string, message: string, stack?: string }}
 */
export function toWireError(thrown) {
  try {
    if (!(thrown instanceof Error)) return { name: "Error", message: thrownText(thrown) };
    const wire = { name: String(thrown.name), message: String(thrown.message) };
    const stack = thrown.stack;
    if (typeof stack === "string") wire.stack = stack;
    return wire;
  } catch {
    return { name: "Error", message: "an error that cannot be read" };
  }
}

/**
 * A bad frame's error, naming its sender, and its action when it has one,
 * as Switchboard's does.
 *
 * @param {string} from
 * @param {number | string | undefined} address The sender's, when known.
 * @param {string} problem
 * @param {unknown} [cause]
 * @param {string} [action] The frame's action, when it has a valid one.
 */
function badFrame(from, address, problem, cause, action) {
  const which = action === undefined ? "" : ` (action "${action}")`;
  return new FrameError(`Bad frame from ${from}: ${problem}${which}`, {
    cause,
    action,
    peer: address,
  });
}

/**
 * The action of a decoded frame whose shape is wrong, when it has a valid one.
 *
 * @param {unknown} value
 * @returns {string | undefined}
 */
function actionOf(value) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { action } = /** @type {{ action?: unknown }} */ (value);
  return typeof action === "string" && action.length > 0 ? action : undefined;
}

/**
 * What is wrong with a decoded frame, or undefined if nothing is: the
 * checks of Switchboard's `checkShape`, field for field.
 *
 * @param {any} message
 * @returns {string | undefined}
 */
function shapeProblem(message) {
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return "it is not a JSON object";
  }
  if (typeof message.action !== "string" || message.action === "") {
    return 'its "action" is not a non-empty string';
  }
  if (message.messageId !== undefined && typeof message.messageId !== "string") {
    return 'its "messageId" is not a string';
  }
  if (message.re !== undefined && message.re !== true) return 'its "re" is not true';
  if (
    message.timeout !== undefined &&
    (typeof message.timeout !== "number" || !(message.timeout >= 0))
  ) {
    return 'its "timeout" is not a number of ms';
  }
  if (
    message.stream !== undefined &&
    (typeof message.stream !== "number" || !Number.isInteger(message.stream) || message.stream < 1)
  ) {
    return 'its "stream" is not a whole number of parts above 0';
  }
  if (message.part !== undefined && message.part !== true) return 'its "part" is not true';
  if (message.part === true && message.re !== true) {
    return 'its "part" is for answers, and it has no "re": true';
  }
  const error = message.error;
  if (
    error !== undefined &&
    (typeof error !== "object" || error === null || typeof error.name !== "string" ||
      typeof error.message !== "string" ||
      (error.stack !== undefined && typeof error.stack !== "string") ||
      (error.schema !== undefined && typeof error.schema !== "string") ||
      (error.issues !== undefined && !isIssueList(error.issues)) ||
      (error.stopping !== undefined && error.stopping !== true) ||
      (error.undelivered !== undefined && error.undelivered !== true))
  ) {
    return 'its "error" is not an object with string "name" and "message"';
  }
  // Only an answer fails: a request carrying one would be neither run nor answered.
  if (error !== undefined && message.re !== true) {
    return 'its "error" is for answers, and it has no "re": true';
  }
  return undefined;
}

/**
 * Whether a wire error's `issues` is a list of `{message, path}`, path of
 * keys and indexes.
 *
 * @param {unknown} value
 */
function isIssueList(value) {
  return Array.isArray(value) &&
    value.every((issue) =>
      typeof issue === "object" && issue !== null && typeof issue.message === "string" &&
      Array.isArray(issue.path) &&
      issue.path.every((step) => typeof step === "string" || typeof step === "number")
    );
}
