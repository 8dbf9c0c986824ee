/**
 * What a message's `data` becomes on the wire. JSON carries most of it as
 * it is; the built-ins JSON would drop or mangle that are carried
 * (Uint8Array, Date, Error, RegExp, -0, `undefined` in an array) are
 * replaced by a JSON stand-in and named by a tag with their path, and a
 * Uint8Array's bytes travel beside the JSON, uncopied until the frame is
 * written. Anything else that JSON would change (functions, symbols,
 * BigInt, NaN and the infinities, Map, Set, cycles, class instances, other
 * typed arrays) is refused, saying where. README "Protocol" documents the
 * tags; `wire_revive.ts` reads them.
 *
 * Plain data, the common case, is walked once and not copied: only the
 * objects and arrays on the way to a replaced value are.
 *
 * @module
 */

import { appendKey } from "./data_path.ts";
import { errorNotCarried } from "./error_classes.ts";
import { setOwn } from "./own_property.ts";
import { hasJsonForm } from "./plain_json.ts";
import { inWords } from "./shown.ts";

/** The kinds of value a tag names. */
export type TagType =
  | "bytes"
  | "date"
  | "error"
  | "regexp"
  | "number"
  | "undefined";

/** One tag: its type, then the path from `data` to the value (keys and indexes). */
export type Tag = [TagType, ...(string | number)[]];

/** `data` as it travels. */
export interface WireData {
  /** The JSON-ready value. */
  value: unknown;
  /** The tags, outer values before the values inside them; empty for plain JSON. */
  tags: Tag[];
  /** The bytes of each `"bytes"` tag, in tag order. */
  attachments: Uint8Array[];
}

/** Below this depth no cycle check is made: real data rarely nests deeper. */
const FAST_DEPTH = 64;
/**
 * Data nested deeper is refused: walking it could overflow the stack,
 * which would fail the send with a bare RangeError, at a depth that
 * changes from run to run.
 */
export const MAX_DEPTH = 1_000;
const TOO_DEEP = Symbol("too deep");
const NO_TAGS: Tag[] = [];
const NO_ATTACHMENTS: Uint8Array[] = [];

/** A step of the path to a value: a key or an index. */
type Step = string | number;

/** Thrown inside the walk to unwind to {@linkcode toWireData}. */
class NotCarried {
  /**
   * @param deep Whether the data is nested too deep, rather than holding what JSON would change.
   * @param large Whether its tags alone are over the byte limit.
   */
  constructor(readonly what: string, readonly deep = false, readonly large = false) {}
}

/**
 * Converts `data` for the wire.
 *
 * @param maxBytes The largest frame allowed: the walk stops once the tags
 * it made would take more than that (a sparse array's holes are a tag each,
 * and billions of them would run the process out of memory).
 * @returns Its wire form, or a sentence saying what in it cannot be
 * carried and where, e.g. `data.handlers[2] is a function, which would
 * not arrive as sent`.
 */
export function toWireData(data: unknown, maxBytes = Infinity): WireData | string {
  // A fast walk without cycle checks first; only data nested deeper than
  // FAST_DEPTH (or cyclic) pays for a second walk that tracks ancestors.
  let walk = new Walk(undefined, maxBytes);
  try {
    try {
      return walk.finish(walk.value(data, 0, undefined));
    } catch (error) {
      if (error !== TOO_DEEP) throw error;
      walk = new Walk(new Set(), maxBytes);
      return walk.finish(walk.value(data, 0, undefined));
    }
  } catch (error) {
    // A getter that threw, or a proxy whose target's methods refuse it.
    if (!(error instanceof NotCarried)) {
      return `${formatPath(walk.path)} cannot be read (reading it threw ${thrownText(error)})`;
    }
    if (error.deep) return `${formatPath(walk.path.slice(0, 3))}… is ${error.what}`;
    if (error.large) return `${error.what} (${formatPath(walk.path)} and the values before it)`;
    return `${formatPath(walk.path)} is ${error.what}, which would not arrive as sent`;
  }
}

/** One conversion: the path to where it is, and the tags and bytes found so far. */
class Walk {
  readonly path: Step[] = [];
  #tags: Tag[] = NO_TAGS;
  #attachments: Uint8Array[] = NO_ATTACHMENTS;
  readonly #ancestors: Set<object> | undefined;
  /** The least the tags so far take of the frame's JSON, in bytes, and the most they may. */
  #tagBytes = 0;
  readonly #maxBytes: number;

  constructor(ancestors: Set<object> | undefined, maxBytes: number) {
    this.#ancestors = ancestors;
    this.#maxBytes = maxBytes;
  }

  finish(value: unknown): WireData {
    return { value, tags: this.#tags, attachments: this.#attachments };
  }

  /** The wire form of `value`: the same value when JSON carries it as it is. */
  value(value: unknown, depth: number, key: string | undefined): unknown {
    switch (typeof value) {
      case "string":
      case "boolean":
        return value;
      case "number":
        if (Number.isFinite(value) && (value !== 0 || 1 / value > 0)) return value;
        // JSON writes NaN and the infinities as null.
        if (!Number.isFinite(value)) throw new NotCarried(`${value} (send null, or a string)`);
        this.#tag("number");
        return "-0";
      case "object":
        return value === null ? null : this.#object(value, depth, key);
      case "bigint":
        throw new NotCarried("a BigInt (send its digits as a string)");
      case "undefined":
        // Only met in an array (a property that is undefined is skipped,
        // as in JSON): null would take its place silently.
        this.#tag("undefined");
        return null;
      case "function":
        throw new NotCarried("a function");
      default:
        throw new NotCarried(`a ${typeof value}`);
    }
  }

  #object(object: object, depth: number, key: string | undefined): unknown {
    // By depth, not path: a toJSON that returns a new object each time
    // nests without adding a step.
    if (depth >= MAX_DEPTH) {
      throw new NotCarried(`nested over ${MAX_DEPTH} levels deep, deeper than is checked`, true);
    }
    if (this.#ancestors === undefined) {
      if (depth >= FAST_DEPTH) throw TOO_DEEP;
    } else if (this.#ancestors.has(object)) {
      throw new NotCarried("circular (it contains itself)");
    }
    this.#ancestors?.add(object);
    try {
      // An array or a plain object may choose its JSON form, as JSON.stringify lets it.
      if (Array.isArray(object)) {
        if (hasJsonForm(object)) return this.#jsonForm(object, depth, key);
        // A null prototype is no subclass: it arrives as sent, as an object's does.
        const prototype = Object.getPrototypeOf(object);
        if (prototype !== Array.prototype && prototype !== null) {
          throw new NotCarried(subclassOfArray(object));
        }
        return this.#array(object, depth);
      }
      const prototype = Object.getPrototypeOf(object);
      if (prototype === Object.prototype || prototype === null) {
        if (hasJsonForm(object)) return this.#jsonForm(object, depth, key);
        return this.#record(object as Record<string, unknown>, depth);
      }
      return this.#builtIn(object, prototype, depth, key);
    } finally {
      this.#ancestors?.delete(object);
    }
  }

  #array(array: readonly unknown[], depth: number): unknown[] {
    let copy: unknown[] | undefined;
    for (let i = 0; i < array.length; i++) {
      this.path.push(i);
      const item = array[i];
      const wire = this.value(item, depth + 1, String(i));
      this.path.pop();
      // Copied up to the first change, then item by item: a copy of the
      // whole (a sparse array as long as arrays go) could take minutes.
      if (copy !== undefined) copy.push(wire);
      // Not array.slice: one with a null prototype has none.
      else if (wire !== item) (copy = Array.prototype.slice.call(array, 0, i)).push(wire);
    }
    return copy ?? (array as unknown[]);
  }

  #record(record: Record<string, unknown>, depth: number): Record<string, unknown> {
    let copy: Record<string, unknown> | undefined;
    // Whether the copy holds only the properties before the one walked.
    let partial = false;
    for (const key in record) {
      // for…in also visits inherited keys, which JSON skips.
      if (!Object.hasOwn(record, key)) continue;
      this.path.push(key);
      // Once copied whole, a property ahead is read from the copy: the
      // spread read its getter, and what is checked must be what is sent.
      const item = copy !== undefined && !partial ? copy[key] : record[key];
      if (item === undefined) {
        this.path.pop();
        continue;
      }
      const tags = this.#tags.length;
      const wire = this.value(item, depth + 1, key);
      const omitted = this.#gaveUndefined(wire, tags);
      this.path.pop();
      if (wire === item && !partial) continue;
      if (copy === undefined) {
        try {
          copy = { ...record };
        } catch {
          // A getter ahead threw: it is read again in its own step, which says where it is.
          copy = this.#copyBefore(record, key);
          partial = true;
        }
      }
      if (omitted) delete copy[key];
      else setOwn(copy, key, wire);
    }
    return copy ?? record;
  }

  /** A copy of `record`'s own properties before `stop`, each read in its own step. */
  #copyBefore(record: Record<string, unknown>, stop: string): Record<string, unknown> {
    const copy: Record<string, unknown> = {};
    for (const key in record) {
      if (key === stop) break;
      if (!Object.hasOwn(record, key)) continue;
      this.path.push(key);
      setOwn(copy, key, record[key]);
      this.path.pop();
    }
    return copy;
  }

  /**
   * Whether a property's wire form is undefined that its toJSON gave
   * (tagged, the one tag since `tags`): taken back, as JSON leaves such a
   * property out.
   */
  #gaveUndefined(wire: unknown, tags: number): boolean {
    if (wire !== null || this.#tags.length !== tags + 1 || this.#tags[tags][0] !== "undefined") {
      return false;
    }
    // Taken back: its bytes no longer count either.
    this.#tagBytes -= tagBytes(this.#tags.pop()!);
    return true;
  }

  /**
   * An object that is not plain: a built-in carried with a tag, toJSON's
   * form, or refused. A subclass of Date or RegExp is refused, as its
   * class would not arrive; one of Error arrives by its `name`.
   */
  #builtIn(object: object, prototype: object, depth: number, key: string | undefined): unknown {
    if (object instanceof Uint8Array) {
      if (object.byteLength === 0 && isDetached(object.buffer)) {
        throw new NotCarried("a Uint8Array whose buffer was transferred away (detached)");
      }
      this.#tag("bytes");
      if (this.#attachments === NO_ATTACHMENTS) this.#attachments = [];
      this.#attachments.push(object);
      return object.byteLength;
    }
    if (object instanceof Date && prototype === Date.prototype) {
      this.#tag("date");
      return Number.isNaN(object.getTime()) ? null : object.toISOString();
    }
    if (object instanceof Error) return this.#error(object, depth);
    if (object instanceof RegExp && prototype === RegExp.prototype) {
      this.#tag("regexp");
      return [object.source, object.flags];
    }
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function" && toJSON !== Date.prototype.toJSON) {
      return this.#jsonForm(object, depth, key);
    }
    if (object instanceof Date || object instanceof RegExp) {
      throw new NotCarried(
        `${aClass(object)} (a subclass would arrive as its base class)`,
      );
    }
    // JSON writes both as {}.
    if (object instanceof Map) {
      throw new NotCarried(
        `${
          aClass(object)
        } (send Object.fromEntries(map), or [...map] for keys that are not strings)`,
      );
    }
    if (object instanceof Set) throw new NotCarried(`${aClass(object)} (send [...set])`);
    if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
      throw new NotCarried(`${aClass(object)} (send its bytes as a Uint8Array)`);
    }
    if (isIterator(object)) {
      // A streamed answer's handler written as function*, say.
      throw new NotCarried(
        `${aClass(object)} (send [...items]; a streamed answer comes from an async function* ` +
          "or another async iterable)",
      );
    }
    throw new NotCarried(
      `${aClass(object)} (a class instance would arrive as a plain object: ` +
        "send one, or give the class a toJSON method)",
    );
  }

  /** The form an object's class chose for JSON, as JSON.stringify would send it. */
  #jsonForm(object: object, depth: number, key: string | undefined): unknown {
    const form = (object as { toJSON(key: string): unknown }).toJSON(key ?? "");
    // Itself, as JSON.stringify takes it: its items or properties, as they are.
    if (form === object) {
      return Array.isArray(object)
        ? this.#array(object, depth)
        : this.#record(withoutMethods(object), depth);
    }
    return this.value(form, depth + 1, key);
  }

  #error(error: Error, depth: number): Record<string, unknown> {
    this.#tag("error");
    let wire: Record<string, unknown>;
    let extra: [string, unknown][];
    let notCarried: string | undefined;
    try {
      const { name, message, stack } = error;
      const { errors } = error as { errors?: unknown };
      notCarried = errorNotCarried(error, { name, message, stack, errors });
      wire = { name, message };
      if (stack !== undefined) wire.stack = stack;
      extra = Object.entries(error);
      // Read here too: a getter that throws is a property that cannot be read.
      if ("cause" in error && !Object.hasOwn(wire, "cause")) extra.unshift(["cause", error.cause]);
      if (error instanceof AggregateError) extra.unshift(["errors", errors]);
      if (error instanceof SuppressedError) {
        extra.unshift(["error", error.error], ["suppressed", error.suppressed]);
      }
    } catch {
      throw new NotCarried("an Error whose properties cannot be read");
    }
    if (notCarried !== undefined) throw new NotCarried(notCarried);
    for (const [key, item] of extra) {
      if (item === undefined || Object.hasOwn(wire, key)) continue;
      this.path.push(key);
      const tags = this.#tags.length;
      const value = this.value(item, depth + 1, key);
      if (!this.#gaveUndefined(value, tags)) setOwn(wire, key, value);
      this.path.pop();
    }
    return wire;
  }

  /** Tags the value at the current path. */
  #tag(type: TagType): void {
    // At least `["type",` and a byte or two a step, `],`: counted so that
    // the walk ends near the limit, not after a tag for each of billions
    // of holes.
    const tag: Tag = [type, ...this.path];
    this.#tagBytes += tagBytes(tag);
    if (this.#tagBytes > this.#maxBytes) {
      throw new NotCarried(
        `the message is over the ${this.#maxBytes}-byte limit (maxFrameSize) in its tags alone`,
        false,
        true,
      );
    }
    if (this.#tags === NO_TAGS) this.#tags = [];
    this.#tags.push(tag);
  }
}

/**
 * An object's own enumerable properties but its methods, as JSON.stringify
 * sends an object that is its own JSON form (its `toJSON` is left out).
 */
function withoutMethods(object: object): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (typeof value !== "function") setOwn(kept, key, value);
  }
  return kept;
}

/** Whether a buffer was transferred away (a SharedArrayBuffer never is). */
function isDetached(buffer: ArrayBufferLike): boolean {
  return (buffer as ArrayBuffer).detached === true;
}

/** Why an array of a class of its own is refused. */
function subclassOfArray(array: object): string {
  return `${aClass(array)} (a subclass of Array would arrive as an Array: send [...items], ` +
    "or give the class a toJSON method)";
}

/** `object`'s class, with its article: "a Map", "an Int8Array", "a Generator", "an object". */
function aClass(object: object): string {
  // Its class's name; else its tag (a generator's constructor has none).
  const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
  const tag = (object as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  const named = typeof name === "string" && name !== "" && name !== "Object"
    ? name
    : typeof tag === "string" && tag !== ""
    ? tag
    : "object";
  return `${anFor(named) ? "an" : "a"} ${named}`;
}

/** Whether a class name is said with "an": a vowel's sound ("an Int8Array", "a Uint8Array", "a User"). */
function anFor(name: string): boolean {
  return /^(?!eu)[aeio]/i.test(name) || /^u(?!ni|s[aeiu]|int|r[lai]|ti|k)/i.test(name);
}

/** Whether `object` is an iterator (a generator, say), which JSON would write as `{}`. */
function isIterator(object: object): boolean {
  return typeof (object as { next?: unknown }).next === "function" &&
    (Symbol.iterator in object || Symbol.asyncIterator in object);
}

/** The least bytes `tag` takes of the frame's JSON: `["type",`, a byte or two a step, `],`. */
function tagBytes(tag: Tag): number {
  return tag[0].length + 5 + 2 * (tag.length - 1);
}

/** What a read threw, in words: its name and message when it is an error. */
function thrownText(thrown: unknown): string {
  if (!(thrown instanceof Error)) return inWords(thrown);
  try {
    return `${thrown.name}: ${thrown.message}`;
  } catch {
    return inWords(thrown); // Its name or message getter threw.
  }
}

function formatPath(path: readonly Step[]): string {
  let text = "data";
  for (const step of path) text = appendKey(text, step);
  return text;
}
