/**
 * What a message's `data` becomes on the wire, as Switchboard's
 * `src/wire_values.ts` makes it. JSON carries most of it as it is; the
 * built-ins JSON would drop or mangle are replaced by a JSON stand-in named
 * by a tag, `[type, ...path]` (the path from `data`, in object keys and
 * array indexes), outer values listed before inner ones. Types and
 * stand-ins: `bytes` (its length; the bytes travel after the JSON), `date`
 * (ISO string, null when invalid), `error` (`{name, message, stack?,
 * cause?, errors?, …own properties}`), `regexp` (`[source, flags]`),
 * `number` (`"-0"`), `undefined` (null, in an array: a hole too).
 *
 * Anything else JSON would change (functions, symbols, BigInt, NaN and the
 * infinities, Map, Set, cycles, class instances, subclasses of Date and
 * RegExp, typed arrays other than Uint8Array) is refused, saying where.
 *
 * @module
 */

import { errorNotCarried, isSuppressedError } from "./error_classes.mjs";

/**
 * @typedef {[string, ...(string | number)[]]} Tag
 * @typedef {{ value: unknown, tags: Tag[], attachments: Uint8Array[] }} WireData
 * @typedef {string | number} Step A step of the path to a value: a key or an index.
 */

/**
 * Data nested deeper is refused: walking it could overflow the stack
 * (Switchboard's limit).
 */
export const MAX_DEPTH = 1_000;

/** Thrown inside the walk to unwind to {@linkcode toWireData}. */
class NotCarried {
  /**
   * @param {string} what
   * @param {boolean} [deep] Whether the data is nested too deep, rather than holding what JSON would change.
   * @param {boolean} [large] Whether its tags alone are over the byte limit.
   */
  constructor(what, deep = false, large = false) {
    this.what = what;
    this.deep = deep;
    this.large = large;
  }
}

/**
 * Converts `data` for the wire.
 *
 * @param {unknown} data
 * @param {number} [maxBytes] The largest frame allowed: the walk stops once
 * the tags it made would take more than that (a sparse array's holes are a
 * tag each, and billions of them would run the process out of memory).
 * @returns {WireData | string} Its wire form, or a sentence saying what in
 * it cannot be carried and where, e.g. `data.handlers[2] is a function,
 * which would not arrive as sent`.
 */
export function toWireData(data, maxBytes = Infinity) {
  const walk = new Walk(maxBytes);
  try {
    return { value: walk.value(data, undefined), tags: walk.tags, attachments: walk.attachments };
  } catch (error) {
    // The path is left where the walk stopped: it names the value refused.
    // A getter that threw, or a proxy whose target's methods refuse it.
    if (!(error instanceof NotCarried)) {
      return `${formatPath(walk.path)} cannot be read (reading it threw ${thrownText(error)})`;
    }
    if (error.deep) return `${formatPath(walk.path.slice(0, 3))}… is ${error.what}`;
    if (error.large) return `${error.what} (${formatPath(walk.path)} and the values before it)`;
    return `${formatPath(walk.path)} is ${error.what}, which would not arrive as sent`;
  }
}

/** One conversion: where it is, and the tags and bytes found so far. */
class Walk {
  /** @type {Step[]} */
  path = [];
  /** @type {Tag[]} */
  tags = [];
  /** @type {Uint8Array[]} */
  attachments = [];
  /** @type {Set<object>} The objects the walk is inside, to refuse cycles. */
  #ancestors = new Set();
  /** How many toJSON forms the walk is in: levels that add no step to the path. */
  #forms = 0;
  /** The least the tags so far take of the frame's JSON, in bytes. */
  #tagBytes = 0;
  #maxBytes;

  /** @param {number} maxBytes */
  constructor(maxBytes) {
    this.#maxBytes = maxBytes;
  }

  /**
   * The wire form of `value`.
   *
   * @param {unknown} value
   * @param {string | undefined} key Its key, for a `toJSON` method.
   */
  value(value, key) {
    switch (typeof value) {
      case "string":
      case "boolean":
        return value;
      case "number":
        if (Number.isFinite(value) && !Object.is(value, -0)) return value;
        // JSON writes NaN and the infinities as null.
        if (!Number.isFinite(value)) throw new NotCarried(`${value} (send null, or a string)`);
        this.#tag("number");
        return "-0";
      case "object":
        return value === null ? null : this.#object(value, key);
      case "bigint":
        throw new NotCarried("a BigInt (send its digits as a string)");
      case "undefined":
        // Only met in an array (holes too): a property that is undefined
        // is skipped, as in JSON. Null would take its place silently.
        this.#tag("undefined");
        return null;
      case "function":
        throw new NotCarried("a function");
      default:
        throw new NotCarried(`a ${typeof value}`);
    }
  }

  /**
   * @param {object} object
   * @param {string | undefined} key
   */
  #object(object, key) {
    // By depth, not path alone: a toJSON that returns a new object each
    // time nests without adding a step.
    if (this.path.length + this.#forms >= MAX_DEPTH) {
      throw new NotCarried(`nested over ${MAX_DEPTH} levels deep, deeper than is checked`, true);
    }
    if (this.#ancestors.has(object)) throw new NotCarried("circular (it contains itself)");
    this.#ancestors.add(object);
    try {
      // An array or a plain object may choose its JSON form, as JSON.stringify lets it.
      if (Array.isArray(object)) {
        if (typeof object.toJSON === "function") return this.#jsonForm(object, key);
        // A null prototype is no subclass: it arrives as sent, as an object's does.
        const prototype = Object.getPrototypeOf(object);
        if (prototype !== Array.prototype && prototype !== null) {
          throw new NotCarried(
            `${aClass(object)} (a subclass of Array would arrive as an Array: send [...items], ` +
              "or give the class a toJSON method)",
          );
        }
        return this.#array(object);
      }
      const prototype = Object.getPrototypeOf(object);
      if (prototype === Object.prototype || prototype === null) {
        if (typeof object.toJSON === "function") return this.#jsonForm(object, key);
        return this.#record(object);
      }
      return this.#builtIn(object, prototype, key);
    } finally {
      this.#ancestors.delete(object);
    }
  }

  /** @param {unknown[]} array */
  #array(array) {
    const copy = [];
    // By index, not map(): map() skips holes, which JSON would send as an untagged null.
    for (let index = 0; index < array.length; index++) {
      this.path.push(index);
      copy.push(this.value(array[index], String(index)));
      this.path.pop();
    }
    return copy;
  }

  /** @param {Record<string, unknown>} record */
  #record(record) {
    const copy = {};
    for (const key of Object.keys(record)) {
      this.path.push(key);
      const item = record[key];
      if (item === undefined) {
        this.path.pop();
        continue;
      }
      const tags = this.tags.length;
      const wire = this.value(item, key);
      if (!this.#gaveUndefined(wire, tags)) defineOwn(copy, key, wire);
      this.path.pop();
    }
    return copy;
  }

  /**
   * Whether a property's wire form is undefined that its toJSON gave
   * (tagged, the one tag since `tags`): taken back, as JSON leaves such a
   * property out.
   *
   * @param {unknown} wire
   * @param {number} tags
   */
  #gaveUndefined(wire, tags) {
    if (wire !== null || this.tags.length !== tags + 1 || this.tags[tags][0] !== "undefined") {
      return false;
    }
    // Taken back: its bytes no longer count either.
    this.#tagBytes -= tagBytes(/** @type {Tag} */ (this.tags.pop()));
    return true;
  }

  /**
   * An object that is not plain: a built-in carried with a tag, toJSON's
   * form, or refused. A subclass of Date or RegExp is refused, as its
   * class would not arrive; one of Error arrives by its `name`.
   *
   * @param {any} object
   * @param {object} prototype
   * @param {string | undefined} key
   */
  #builtIn(object, prototype, key) {
    // Before toJSON: a Buffer has one, and its bytes must travel as bytes.
    if (object instanceof Uint8Array) {
      if (object.byteLength === 0 && isDetached(object.buffer)) {
        throw new NotCarried("a Uint8Array whose buffer was transferred away (detached)");
      }
      this.#tag("bytes");
      this.attachments.push(object);
      return object.byteLength;
    }
    if (object instanceof Date && prototype === Date.prototype) {
      this.#tag("date");
      return Number.isNaN(object.getTime()) ? null : object.toISOString();
    }
    if (object instanceof Error) return this.#error(object);
    if (object instanceof RegExp && prototype === RegExp.prototype) {
      this.#tag("regexp");
      return [object.source, object.flags];
    }
    if (typeof object.toJSON === "function" && object.toJSON !== Date.prototype.toJSON) {
      return this.#jsonForm(object, key);
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
  #jsonForm(object, key) {
    const form = object.toJSON(key ?? "");
    // Itself, as JSON.stringify takes it: its items or properties, as they are.
    if (form === object) {
      return Array.isArray(object) ? this.#array(object) : this.#record(withoutMethods(object));
    }
    this.#forms++;
    try {
      return this.value(form, key);
    } finally {
      this.#forms--;
    }
  }

  /** @param {Error} error */
  #error(error) {
    this.#tag("error");
    let wire;
    let extra;
    let notCarried;
    try {
      const { name, message, stack } = error;
      const errors = error.errors;
      notCarried = errorNotCarried(error, { name, message, stack, errors });
      wire = { name, message };
      if (stack !== undefined) wire.stack = stack;
      extra = Object.entries(error);
      // Read here too: a getter that throws is a property that cannot be read.
      if ("cause" in error && !Object.hasOwn(wire, "cause")) extra.unshift(["cause", error.cause]);
      if (error instanceof AggregateError) extra.unshift(["errors", errors]);
      if (isSuppressedError(error)) {
        extra.unshift(["error", error.error], ["suppressed", error.suppressed]);
      }
    } catch {
      throw new NotCarried("an Error whose properties cannot be read");
    }
    if (notCarried !== undefined) throw new NotCarried(notCarried);
    for (const [key, item] of extra) {
      if (item === undefined || Object.hasOwn(wire, key)) continue;
      this.path.push(key);
      const tags = this.tags.length;
      const value = this.value(item, key);
      if (!this.#gaveUndefined(value, tags)) defineOwn(wire, key, value);
      this.path.pop();
    }
    return wire;
  }

  /**
   * Tags the value at the current path.
   *
   * @param {string} type
   */
  #tag(type) {
    // At least `["type",` and a byte or two a step, `],`: counted so that
    // the walk ends near the limit, not after a tag for each of billions
    // of holes.
    /** @type {Tag} */
    const tag = [type, ...this.path];
    this.#tagBytes += tagBytes(tag);
    if (this.#tagBytes > this.#maxBytes) {
      throw new NotCarried(
        `the message is over the ${this.#maxBytes}-byte limit (maxFrameSize) in its tags alone`,
        false,
        true,
      );
    }
    this.tags.push(tag);
  }
}

/** Sets an own, enumerable property, `__proto__` included, as JSON.parse does. */
export function defineOwn(object, key, value) {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * `object`'s class, with its article: "a Map", "an Int8Array", "a Generator", "an object".
 *
 * @param {object} object
 */
function aClass(object) {
  const name = object.constructor?.name;
  const tag = object[Symbol.toStringTag];
  const named = typeof name === "string" && name !== "" && name !== "Object"
    ? name
    : typeof tag === "string" && tag !== ""
    ? tag
    : "object";
  return `${anFor(named) ? "an" : "a"} ${named}`;
}

/**
 * Whether a class name is said with "an": a vowel's sound ("an Int8Array", "a Uint8Array", "a User").
 *
 * @param {string} name
 */
function anFor(name) {
  return /^(?!eu)[aeio]/i.test(name) || /^u(?!ni|s[aeiu]|int|r[lai]|ti|k)/i.test(name);
}

/**
 * Whether `object` is an iterator (a generator, say), which JSON would write as `{}`.
 *
 * @param {object} object
 */
function isIterator(object) {
  return typeof object.next === "function" &&
    (Symbol.iterator in object || Symbol.asyncIterator in object);
}

/**
 * Whether a buffer was transferred away: it then has no bytes, and no view can be made of it.
 *
 * @param {ArrayBufferLike} buffer
 * @returns {boolean}
 */
function isDetached(buffer) {
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/**
 * The least bytes `tag` takes of the frame's JSON: `["type",`, a byte or
 * two a step, `],`.
 *
 * @param {Tag} tag
 */
function tagBytes(tag) {
  return tag[0].length + 5 + 2 * (tag.length - 1);
}

/**
 * What a read threw, in words: its name and message when it is an error.
 *
 * @param {unknown} thrown
 */
function thrownText(thrown) {
  try {
    return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  } catch {
    return "something that cannot be shown";
  }
}

/**
 * Names where a value is, as Switchboard does: `data.list[2]`,
 * `data["a b"]`, `data.index.get("k")`, `a key of data.index`.
 *
 * @param {Step[]} path
 */
function formatPath(path) {
  let text = "data";
  for (const step of path) {
    if (typeof step === "number") text += `[${step}]`;
    else text += /^[A-Za-z_$][\w$]*$/.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
  }
  return text;
}

/**
 * An object's own enumerable properties but its methods, as JSON.stringify
 * sends an object that is its own JSON form (its `toJSON` is left out).
 *
 * @param {object} object
 * @returns {Record<string, unknown>}
 */
function withoutMethods(object) {
  const kept = {};
  for (const [key, value] of Object.entries(object)) {
    if (typeof value !== "function") defineOwn(kept, key, value);
  }
  return kept;
}
