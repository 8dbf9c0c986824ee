/**
 * Messages in and out of frame payloads. A payload is UTF-8 JSON (its first
 * byte `{`), or the binary form for data that holds bytes: the byte 0x00,
 * the JSON's length as 4 bytes (unsigned, big-endian), the JSON, then the
 * bytes of each Uint8Array back to back.
 *
 * What JSON alone would drop or mangle travels as a JSON stand-in named by
 * a tag in the message's `tags`: `[type, ...path]`, the path from `data`
 * (object keys and array indexes), outer values listed before inner ones.
 * A reader revives them last to first, so each container is revived with
 * its contents. Types and stand-ins: `bytes` (its length; the value is the
 * next attachment), `date` (ISO string, null when invalid), `error`
 * (`{name, message, stack?, cause?, errors?, …own properties}`), `map`
 * (`[[key, value], …]`), `set` (`[value, …]`), `bigint` (decimal string),
 * `number` (`"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"`), `undefined`
 * (null, in an array, Map or Set), `regexp` (`[source, flags]`).
 *
 * Like Switchboard's own codec, this writes the binary form only when
 * there are bytes to attach; other tags travel in the JSON form.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { FrameError } from "./errors.mjs";

/** The first byte of a payload in the binary form. */
const BINARY = 0x00;
/** The marker and the JSON's length. */
const BINARY_HEAD = 5;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Encodes a message, tagging what plain JSON cannot carry.
 *
 * @param {{ action: string, data?: unknown, [field: string]: unknown }} message
 * @param {number} maxFrameSize The largest payload allowed.
 * @returns {Buffer} The payload.
 * @throws {FrameError} When the data holds something that cannot travel
 * (a function, a symbol, a cycle, a typed array other than Uint8Array, a
 * class instance without `toJSON`), or the payload is over `maxFrameSize`.
 */
export function encodeMessage(message, maxFrameSize) {
  let attachments = [];
  if (message.data !== undefined) {
    const wire = new Tagger().walk(message.data);
    if (wire.tags.length > 0) {
      message = { ...message, data: wire.value, tags: wire.tags };
      attachments = wire.attachments;
    }
  }
  const json = Buffer.from(JSON.stringify(message));
  let payload = json;
  if (attachments.length > 0) {
    const head = Buffer.allocUnsafe(BINARY_HEAD);
    head[0] = BINARY;
    head.writeUInt32BE(json.length, 1);
    payload = Buffer.concat([head, json, ...attachments]);
  }
  if (payload.length > maxFrameSize) {
    throw new FrameError(
      `Cannot send "${message.action}": the message is ${payload.length} bytes, over the ${maxFrameSize}-byte limit (maxFrameSize)`,
    );
  }
  return payload;
}

/**
 * Decodes one payload and revives its tagged values.
 *
 * @param {Uint8Array} payload
 * @returns {{ action: string, data?: unknown, messageId?: string, re?: true, timeout?: number,
 *   stream?: number, part?: true, error?: { name: string, message: string, stack?: string } }}
 * @throws {FrameError} When it is not a message: not UTF-8 JSON of the
 * right shape, or tags that do not fit its data.
 */
export function decodeMessage(payload) {
  let json = payload;
  let attachments = Buffer.alloc(0);
  if (payload[0] === BINARY) {
    if (payload.length < BINARY_HEAD) throw new FrameError("a binary frame without its head");
    const length = Buffer.from(payload.buffer, payload.byteOffset, payload.length).readUInt32BE(1);
    if (BINARY_HEAD + length > payload.length) {
      throw new FrameError("a binary frame whose JSON's length is past its end");
    }
    json = payload.subarray(BINARY_HEAD, BINARY_HEAD + length);
    attachments = payload.subarray(BINARY_HEAD + length);
  }
  let message;
  try {
    message = JSON.parse(strictUtf8.decode(json));
  } catch (error) {
    throw new FrameError("a frame that is not UTF-8 JSON", { cause: error });
  }
  const problem = shapeProblem(message);
  if (problem) throw new FrameError(`a frame whose ${problem}`);
  if (message.tags !== undefined) {
    message.data = revive(message.data, message.tags, attachments);
    delete message.tags;
  }
  return message;
}

/**
 * Converts the error a handler threw into the form a failed response
 * carries: `{name, message, stack?}`.
 *
 * @param {unknown} thrown
 * @returns {{ name: string, message: string, stack?: string }}
 */
export function toWireError(thrown) {
  if (!(thrown instanceof Error)) return { name: "Error", message: String(thrown) };
  const wire = { name: String(thrown.name), message: String(thrown.message) };
  if (typeof thrown.stack === "string") wire.stack = thrown.stack;
  return wire;
}

/** @param {any} message */
function shapeProblem(message) {
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return "JSON is not an object";
  }
  if (typeof message.action !== "string" || message.action === "") {
    return '"action" is not a non-empty string';
  }
  if (message.messageId !== undefined && typeof message.messageId !== "string") {
    return '"messageId" is not a string';
  }
  if (message.re !== undefined && message.re !== true) return '"re" is not true';
  const error = message.error;
  if (
    error !== undefined &&
    (typeof error !== "object" || error === null || typeof error.name !== "string" ||
      typeof error.message !== "string")
  ) {
    return '"error" is not an object with string "name" and "message"';
  }
  return undefined;
}

/** One walk over outgoing data: its JSON-ready copy, its tags, its bytes. */
class Tagger {
  /** @type {(string | number)[]} Where the walk is, from `data`. */
  #path = [];
  /** @type {Set<object>} The objects the walk is inside, to refuse cycles. */
  #ancestors = new Set();
  /** @type {[string, ...(string | number)[]][]} */
  tags = [];
  /** @type {Uint8Array[]} */
  attachments = [];

  /**
   * @param {unknown} data
   * @returns {{ value: unknown, tags: [string, ...(string | number)[]][], attachments: Uint8Array[] }}
   */
  walk(data) {
    return { value: this.#value(data), tags: this.tags, attachments: this.attachments };
  }

  /** @param {unknown} value */
  #value(value) {
    switch (typeof value) {
      case "string":
      case "boolean":
        return value;
      case "number":
        if (Number.isFinite(value) && !Object.is(value, -0)) return value;
        this.#tag("number");
        return Object.is(value, -0) ? "-0" : String(value);
      case "bigint":
        this.#tag("bigint");
        return value.toString();
      case "undefined":
        // Only reached in arrays and Sets: properties that are undefined are skipped, as in JSON.
        this.#tag("undefined");
        return null;
      case "object":
        if (value === null) return null;
        if (this.#ancestors.has(value)) this.#refuse("circular (it contains itself)");
        this.#ancestors.add(value);
        try {
          return this.#object(value);
        } finally {
          this.#ancestors.delete(value);
        }
      default:
        return this.#refuse(`a ${typeof value}`);
    }
  }

  /** @param {object} object */
  #object(object) {
    // Before toJSON: a Buffer has one, and its bytes must travel as bytes.
    if (object instanceof Uint8Array) {
      this.#tag("bytes");
      this.attachments.push(object);
      return object.byteLength;
    }
    if (Array.isArray(object)) return object.map((item, index) => this.#at(index, item));
    if (object instanceof Date) {
      this.#tag("date");
      return Number.isNaN(object.getTime()) ? null : object.toISOString();
    }
    if (object instanceof Error) return this.#error(object);
    if (object instanceof Map) {
      this.#tag("map");
      return [...object].map(([key, value], index) => [
        this.#at2(index, 0, key),
        this.#at2(index, 1, value),
      ]);
    }
    if (object instanceof Set) {
      this.#tag("set");
      return [...object].map((item, index) => this.#at(index, item));
    }
    if (object instanceof RegExp) {
      this.#tag("regexp");
      return [object.source, object.flags];
    }
    if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
      return this.#refuse(`a ${object.constructor.name} (send its bytes as a Uint8Array)`);
    }
    if (typeof object.toJSON === "function") return this.#value(object.toJSON());
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) {
      // It would arrive as a plain object, its class lost: refused, as Switchboard's codec does.
      return this.#refuse(
        `a ${object.constructor?.name ?? "class instance"} (send a plain object)`,
      );
    }
    const copy = {};
    for (const [key, item] of Object.entries(object)) {
      if (item !== undefined) defineOwn(copy, key, this.#at(key, item));
    }
    return copy;
  }

  /** @param {Error} error */
  #error(error) {
    this.#tag("error");
    const wire = { name: String(error.name), message: String(error.message) };
    if (typeof error.stack === "string") wire.stack = error.stack;
    const extra = Object.entries(error);
    if ("cause" in error) extra.unshift(["cause", error.cause]);
    if (error instanceof AggregateError) extra.unshift(["errors", error.errors]);
    for (const [key, item] of extra) {
      if (item !== undefined && !Object.hasOwn(wire, key)) {
        defineOwn(wire, key, this.#at(key, item));
      }
    }
    return wire;
  }

  /** The wire form of `item`, found at `step` below the current path. */
  #at(step, item) {
    this.#path.push(step);
    try {
      return this.#value(item);
    } finally {
      this.#path.pop();
    }
  }

  /** The same, two steps down (a Map's entry, then its key or value). */
  #at2(index, side, item) {
    this.#path.push(index);
    try {
      return this.#at(side, item);
    } finally {
      this.#path.pop();
    }
  }

  /** @param {string} type */
  #tag(type) {
    this.tags.push([type, ...this.#path]);
  }

  /** @param {string} what */
  #refuse(what) {
    const where = this.#path.map((step) => `[${JSON.stringify(step)}]`).join("");
    throw new FrameError(`Cannot send data${where}: it is ${what}`);
  }
}

/**
 * Puts the tagged values back in place of their stand-ins, last tag first.
 *
 * @param {unknown} data
 * @param {unknown} tags
 * @param {Uint8Array} attachments
 * @throws {FrameError} When a tag is malformed, of an unknown type, points
 * at nothing, or does not fit its value, or the bytes do not add up.
 */
function revive(data, tags, attachments) {
  if (!Array.isArray(tags)) throw new FrameError('a frame whose "tags" is not an array');
  const root = { data };
  // The attachments go to the "bytes" tags in list order; revival runs backwards.
  const offsets = [];
  let offset = 0;
  tags.forEach((tag, index) => {
    if (!isTag(tag)) throw new FrameError(`a frame whose tag ${index} is not [type, ...path]`);
    if (tag[0] !== "bytes") return;
    const [container, key] = place(root, tag, index);
    const size = container[key];
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new FrameError(`a frame whose tag ${index} ("bytes") has no byte length`);
    }
    offsets[index] = offset;
    offset += size;
  });
  if (offset !== attachments.length) {
    throw new FrameError(
      `a frame whose tags take ${offset} bytes, and ${attachments.length} follow its JSON`,
    );
  }
  for (let index = tags.length - 1; index >= 0; index--) {
    const tag = tags[index];
    const [container, key] = place(root, tag, index);
    const stand = container[key];
    const value = tag[0] === "bytes"
      // A plain Uint8Array, as in every language's peer; a copy, so the frame need not stay alive.
      ? new Uint8Array(attachments.subarray(offsets[index], offsets[index] + stand))
      : reviveValue(tag[0], stand);
    if (value === BAD) {
      throw new FrameError(`a frame whose tag ${index} ("${tag[0]}") does not fit its value`);
    }
    defineOwn(container, key, value);
  }
  return root.data;
}

const BAD = Symbol("bad");
const NUMBERS = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 };
const ERRORS = { Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError };

/**
 * @param {string} type
 * @param {any} stand
 */
function reviveValue(type, stand) {
  switch (type) {
    case "date":
      return stand === null ? new Date(NaN) : typeof stand === "string" ? new Date(stand) : BAD;
    case "error":
      return typeof stand === "object" && stand !== null && typeof stand.name === "string" &&
          typeof stand.message === "string"
        ? reviveError(stand)
        : BAD;
    case "map":
      return Array.isArray(stand) && stand.every((pair) => Array.isArray(pair) && pair.length === 2)
        ? new Map(stand)
        : BAD;
    case "set":
      return Array.isArray(stand) ? new Set(stand) : BAD;
    case "bigint":
      return typeof stand === "string" && /^-?\d+$/.test(stand) ? BigInt(stand) : BAD;
    case "number":
      return Object.hasOwn(NUMBERS, stand) ? NUMBERS[stand] : BAD;
    case "undefined":
      return stand === null ? undefined : BAD;
    case "regexp":
      try {
        return new RegExp(stand[0], stand[1]);
      } catch {
        return BAD;
      }
    default:
      // README: a tag of an unknown type makes the frame bad, as a value half revived would be.
      return BAD;
  }
}

/** @param {Record<string, any>} stand */
function reviveError({ name, message, stack, cause, errors, ...extra }) {
  const options = cause === undefined ? undefined : { cause };
  const error = name === "AggregateError" && Array.isArray(errors)
    ? new AggregateError(errors, message, options)
    : new (Object.hasOwn(ERRORS, name) ? ERRORS[name] : Error)(message, options);
  if (error.name !== name) hide(error, "name", name);
  if (typeof stack === "string") hide(error, "stack", stack);
  if (errors !== undefined && !(error instanceof AggregateError)) extra.errors = errors;
  Object.assign(error, extra);
  return error;
}

/** @param {unknown} tag */
function isTag(tag) {
  return Array.isArray(tag) && typeof tag[0] === "string" &&
    tag.slice(1).every((step) => typeof step === "string" || (Number.isInteger(step) && step >= 0));
}

/**
 * The container and key of the value a tag's path leads to, through own
 * properties only (a path must not reach into a prototype).
 *
 * @param {{ data: unknown }} root
 * @param {(string | number)[]} tag
 * @param {number} index
 * @returns {[any, string | number]}
 */
function place(root, tag, index) {
  let container = root;
  let key = "data";
  for (const step of tag.slice(1)) {
    const next = container[key];
    if (
      typeof next !== "object" || next === null ||
      Array.isArray(next) !== (typeof step === "number") || !Object.hasOwn(next, step)
    ) {
      throw new FrameError(`a frame whose tag ${index} ("${tag[0]}") points at nothing`);
    }
    container = next;
    key = step;
  }
  return [container, key];
}

/** Sets an own, enumerable property, `__proto__` included, as JSON.parse does. */
function defineOwn(object, key, value) {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Sets an own property that is not enumerable, as an error's `name` and `stack` are. */
function hide(object, key, value) {
  Object.defineProperty(object, key, {
    value,
    enumerable: false,
    writable: true,
    configurable: true,
  });
}
