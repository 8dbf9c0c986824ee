/**
 * Seeded random values for the wire's property tests: nested objects and
 * arrays of everything README's "What data can hold" lists as carried
 * (tricky strings and keys, -0, dates valid and not, errors with causes,
 * regexps, Uint8Arrays of every shape), and now and then one value that must
 * be refused, with where it is. {@linkcode carriedForm} says what a value
 * means on the wire, so that what was sent and what arrived can be compared.
 */

import { Buffer } from "node:buffer";
import { appendKey } from "../src/data_path.ts";

/** A small seeded generator (mulberry32), so a failing run can be replayed. */
export function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generated value, and where the one value that must be refused is, if there is one. */
export interface Generated {
  value: unknown;
  /** `data.a[2]` and what the refusal says of it, when the value must be refused. */
  refused?: { where: string; what: RegExp };
}

/** Strings that trip encoders: surrogates alone and paired, separators, a BOM, NUL, escapes. */
const TRICKY = [
  "",
  "a",
  "é",
  "日本語",
  "😀",
  "\ud800",
  "\udc00x",
  "x\ud83d",
  "\u2028\u2029",
  "\u0000",
  "\ufeff",
  "\ufffd",
  '"\\/',
  "-0",
  "null",
  "\u007f\u0080",
];
/** Keys that collide with the encoding's tags and fields, with prototypes, with indexes. */
const KEYS = [
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "toJSON",
  "tags",
  "bytes",
  "date",
  "error",
  "errors",
  "cause",
  "number",
  "undefined",
  "data",
  "action",
  "0",
  "1",
  "01",
  "-1",
  "4294967295",
  "",
  "a b",
  "é",
  "\ud800",
  "x",
  "y",
];
const NUMBERS = [0, -0, 1, -1, 0.1, -2.5e-7, 1e308, -1e308, 5e-324, 2 ** 53 + 2, 123456789];
/** Times in ms: the epoch, years 0 and -1 and 10000, the ends of a Date's range. */
const TIMES = [0, -62167219200000, -62198755200000, 253402300800000, 8.64e15, -8.64e15, 5.5];
const FLAGS = ["", "g", "i", "m", "s", "u", "y", "d", "gimsuyd", "v"];
const ERROR_CLASSES = [
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
] as const;

/** What must be refused, what its refusal says, and how it is made. */
const REFUSED: { what: RegExp; make: () => unknown }[] = [
  { what: /^is a function, which/, make: () => () => 1 },
  { what: /^is a symbol, which/, make: () => Symbol("s") },
  { what: /^is a BigInt \(send its digits as a string\), which/, make: () => 10n },
  { what: /^is NaN \(send null, or a string\), which/, make: () => NaN },
  { what: /^is Infinity/, make: () => Infinity },
  { what: /^is -Infinity/, make: () => -Infinity },
  { what: /^is a Map \(send Object\.fromEntries/, make: () => new Map([[1, 2]]) },
  { what: /^is a Set \(send \[\.\.\.set\]\)/, make: () => new Set([1]) },
  { what: /^is an Int16Array \(send its bytes as a Uint8Array\)/, make: () => new Int16Array(2) },
  { what: /^is a DataView/, make: () => new DataView(new ArrayBuffer(2)) },
  { what: /^is an ArrayBuffer/, make: () => new ArrayBuffer(2) },
  { what: /^is a Point \(a class instance/, make: () => new (class Point {})() },
  {
    what: /^is a Moment \(a subclass would arrive/,
    make: () => new (class Moment extends Date {})(),
  },
  {
    what: /^is a TypeError named "Oops" \(it would arrive as an Error/,
    make: () => Object.assign(new TypeError("t"), { name: "Oops" }),
  },
  {
    what: /^is an Error whose message is not a string/,
    make: () => Object.assign(new Error("m"), { message: 5 }),
  },
  {
    what: /^cannot be read \(reading it threw Error: no\)/,
    make: () => {
      throw new Error("a getter: made by the container");
    },
  },
];
const GETTER = REFUSED.length - 1;

/** Options of the generator: how deep, and whether values that must be refused are made. */
export interface GenOptions {
  /** Levels of nesting at most (default 4). */
  depth?: number;
  /** How often a value is one that must be refused (default 0.15). */
  refusals?: number;
  /** Whether arrays of up to 2 MiB may be made (default true): a few among many small. */
  large?: boolean;
}

/** Makes one random value from `next`. */
export function generate(next: () => number, options: GenOptions = {}): Generated {
  return new Generator(next, options).make();
}

class Generator {
  readonly #next: () => number;
  readonly #depth: number;
  readonly #large: boolean;
  /** Where the value to refuse goes: the nth slot filled, counted as the walk goes. */
  #refuseAt: number;
  #slots = 0;
  refused?: { where: string; what: RegExp };

  constructor(next: () => number, options: GenOptions) {
    this.#next = next;
    this.#depth = options.depth ?? 4;
    this.#large = options.large ?? true;
    this.#refuseAt = next() < (options.refusals ?? 0.15) ? 1 + Math.floor(next() * 5) : -1;
  }

  make(): Generated {
    const value = this.#value(0, [], undefined);
    return { value, refused: this.refused };
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#next() * items.length)];
  }

  #int(below: number): number {
    return Math.floor(this.#next() * below);
  }

  /**
   * A value at `path`, inside `parent` (to make a cycle of). Slots are
   * counted in the order the walk visits them, so the one refused is the
   * first the sender meets.
   */
  #value(depth: number, path: (string | number)[], parent: object | undefined): unknown {
    if (this.#slots++ === this.#refuseAt && this.refused === undefined && depth > 0) {
      return this.#refusal(path, parent);
    }
    const r = this.#next();
    if (depth >= this.#depth || r < 0.35) return this.#leaf();
    if (r < 0.55) return this.#object(depth, path);
    if (r < 0.72) return this.#array(depth, path);
    if (r < 0.85) return this.#error(depth, path);
    return this.#jsonForm(depth, path);
  }

  #refusal(path: (string | number)[], parent: object | undefined): unknown {
    const where = path.reduce<string>(appendKey, "data");
    if (parent !== undefined && this.#next() < 0.15) {
      this.refused = { where, what: /^is circular \(it contains itself\)/ };
      return parent;
    }
    const index = this.#int(REFUSED.length);
    // A getter is made by its container (see #object); elsewhere, a Map.
    const { what, make } = REFUSED[index === GETTER ? 6 : index];
    this.refused = { where, what };
    return make();
  }

  #leaf(): unknown {
    switch (this.#int(9)) {
      case 0:
        return this.#string();
      case 1:
        return this.#pick(NUMBERS);
      case 2:
        return this.#pick([true, false, null]);
      case 3:
      case 4:
        return this.#bytes();
      case 5:
        return this.#date();
      case 6:
        return new RegExp(
          this.#pick(["a+", "", "/", "[\\p{L}]", "^\\d{2}$", "(?<y>x)|\\n"]),
          this.#pick(FLAGS),
        );
      case 7:
        return this.#int(1000) - 500;
      default:
        return this.#string();
    }
  }

  #string(): string {
    let text = "";
    for (let i = this.#int(4); i >= 0; i--) text += this.#pick(TRICKY);
    return this.#next() < 0.05 ? text + "x".repeat(this.#int(70_000)) : text;
  }

  #date(): Date {
    if (this.#next() < 0.2) return new Date(NaN);
    if (this.#next() < 0.4) return new Date(this.#pick(TIMES));
    return new Date(Math.floor((this.#next() * 2 - 1) * 8.64e15));
  }

  #bytes(): Uint8Array {
    const r = this.#next();
    const fill = (bytes: Uint8Array) => {
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + bytes.length) & 0xff;
      return bytes;
    };
    if (r < 0.15) return new Uint8Array(0);
    if (r < 0.5) return fill(new Uint8Array(this.#int(40)));
    if (r < 0.65) {
      // A view with an offset into a larger buffer, whose other bytes must not travel.
      const buffer = new ArrayBuffer(64);
      new Uint8Array(buffer).fill(0xee);
      return fill(new Uint8Array(buffer, 1 + this.#int(20), this.#int(30)));
    }
    if (r < 0.75) {
      const shared = new SharedArrayBuffer(48);
      return fill(new Uint8Array(shared, this.#int(8), this.#int(40)));
    }
    if (r < 0.85) return Buffer.from(fill(new Uint8Array(this.#int(20))));
    if (r < 0.92 || !this.#large) return new Uint8Array(0).subarray(0);
    return fill(new Uint8Array(this.#pick([128 * 1024 + 3, 512 * 1024, 2 * 1024 * 1024])));
  }

  #key(): string {
    return this.#next() < 0.6 ? this.#pick(KEYS) : this.#string().slice(0, 8);
  }

  #object(depth: number, path: (string | number)[]): object {
    const object: Record<string, unknown> = this.#next() < 0.1 ? Object.create(null) : {};
    for (let i = this.#int(5); i > 0; i--) {
      const key = this.#key();
      // A key set twice keeps its first place: the second value is the one walked.
      if (Object.hasOwn(object, key)) continue;
      const at = [...path, key];
      if (
        this.#slots === this.#refuseAt && this.refused === undefined && key !== "toJSON" &&
        this.#next() < 0.3
      ) {
        this.#slots++;
        this.refused = { where: at.reduce<string>(appendKey, "data"), what: REFUSED[GETTER].what };
        Object.defineProperty(object, key, {
          get() {
            throw new Error("no");
          },
          enumerable: true,
          configurable: true,
        });
        continue;
      }
      // A toJSON that is not a method is data; one that is would make the object its form.
      const value = key === "toJSON" ? this.#string() : this.#value(depth + 1, at, object);
      // An undefined property is left out, as JSON does: it takes no slot that matters.
      Object.defineProperty(object, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    if (this.#next() < 0.1) {
      Object.defineProperty(object, "hidden", { value: () => 1, enumerable: false });
    }
    return object;
  }

  #array(depth: number, path: (string | number)[]): unknown[] {
    const array: unknown[] = [];
    if (this.#next() < 0.1) Object.setPrototypeOf(array, null);
    const length = this.#int(6);
    for (let i = 0; i < length; i++) {
      // A hole now and then, and undefined: each arrives as undefined.
      const r = this.#next();
      if (r < 0.1) continue;
      array[i] = r < 0.2 ? undefined : this.#value(depth + 1, [...path, i], array);
    }
    array.length = length;
    return array;
  }

  #error(depth: number, path: (string | number)[]): Error {
    const r = this.#next();
    const message = this.#string();
    let error: Error;
    const cause = this.#next() < 0.5;
    const value = (step: string) => this.#value(depth + 1, [...path, step], error);
    if (r < 0.15) {
      error = new AggregateError([], message);
      if (cause) error.cause = undefined;
    } else if (r < 0.25) {
      error = new SuppressedError(undefined, undefined, message);
    } else if (r < 0.35) {
      error = new (class Custom extends Error {})(message);
      if (this.#next() < 0.5) error.name = "Custom";
    } else {
      error = new (this.#pick(ERROR_CLASSES))(message);
    }
    if (this.#next() < 0.3) delete error.stack;
    // In the order the sender walks them: the SuppressedError's, errors, cause, own properties.
    if (error instanceof SuppressedError) {
      if (this.#next() < 0.7) error.error = value("error");
      if (this.#next() < 0.7) error.suppressed = value("suppressed");
    }
    if (error instanceof AggregateError) {
      const errors: unknown[] = [];
      Object.defineProperty(error, "errors", { value: errors, writable: true, configurable: true });
      for (let i = this.#int(3); i > 0; i--) {
        errors.push(this.#value(depth + 2, [...path, "errors", errors.length], errors));
      }
    }
    if (cause) {
      Object.defineProperty(error, "cause", {
        value: value("cause"),
        writable: true,
        configurable: true,
      });
    }
    if (this.#next() < 0.4) {
      (error as Error & { code?: unknown }).code = value("code");
    }
    return error;
  }

  /** An object or a class instance with `toJSON`: it travels as what that gives. */
  #jsonForm(depth: number, path: (string | number)[]): unknown {
    const form = this.#value(depth + 1, path, undefined);
    if (this.#next() < 0.5) return { toJSON: () => form };
    return new (class Versioned {
      toJSON() {
        return form;
      }
    })();
  }
}

/** Which class an error arrives as, by its name (README "Protocol", the `"error"` tag). */
function classByName(name: string, errors: unknown): string {
  if (name === "AggregateError" && Array.isArray(errors)) return "AggregateError";
  if (name === "SuppressedError") return "SuppressedError";
  return ERROR_CLASSES.some((Class) => Class.name === name) ? name : "Error";
}

/**
 * What `value` means on the wire, as JSON-ready text: what a receiver must
 * find. For what was sent (`sent`), by README's rules (a Buffer is a
 * Uint8Array, a null prototype no class, toJSON's form for the object, an
 * error by its name); for what arrived, strictly: each value of the exact
 * class it must be, a plain object or array of the plain prototype.
 */
export function carriedForm(value: unknown, sent: boolean): unknown {
  switch (typeof value) {
    case "undefined":
      return { $: "undefined" };
    case "number":
      return Object.is(value, -0) ? { $: "-0" } : value;
    case "string":
    case "boolean":
      return value;
    case "object":
      break;
    default:
      return { $: `not carried: ${typeof value}` };
  }
  if (value === null) return null;
  const prototype = Object.getPrototypeOf(value);
  if (value instanceof Uint8Array) {
    if (!sent && prototype !== Uint8Array.prototype) return { $: "a Uint8Array subclass" };
    return { $: "bytes", length: value.length, digest: digest(value) };
  }
  if (prototype === Date.prototype) {
    const time = (value as Date).getTime();
    return { $: "date", time: Number.isNaN(time) ? "invalid" : time };
  }
  if (prototype === RegExp.prototype) {
    const regexp = value as RegExp;
    return {
      $: "regexp",
      source: regexp.source,
      flags: regexp.flags,
      lastIndex: sent ? 0 : regexp.lastIndex,
    };
  }
  if (value instanceof Error) return errorForm(value, sent);
  if (sent && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return carriedForm((value as { toJSON(): unknown }).toJSON(), sent);
  }
  if (Array.isArray(value)) {
    if (prototype !== Array.prototype && !(sent && prototype === null)) return { $: "odd array" };
    return Array.from({ length: value.length }, (_, i) => carriedForm(value[i], sent));
  }
  if (prototype !== Object.prototype && !(sent && prototype === null)) {
    return { $: `a ${prototype?.constructor?.name}` };
  }
  const form: [string, unknown][] = [];
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    const itemForm = carriedForm(item, sent);
    // A toJSON that gave undefined leaves the property out, as JSON does.
    if (sent && (itemForm as { $?: string })?.$ === "undefined") continue;
    form.push([key, itemForm]);
  }
  return { $: "object", entries: form };
}

function errorForm(error: Error, sent: boolean): unknown {
  const { name, message, stack } = error;
  const errors = (error as { errors?: unknown }).errors;
  const className = sent ? classByName(name, errors) : arrivedClass(error);
  const form: Record<string, unknown> = { $: "error", className, name, message, stack };
  const special = new Set(["name", "message", "stack", "cause"]);
  if (className === "AggregateError") {
    form.errors = carriedForm(errors, sent);
    special.add("errors");
  }
  if (className === "SuppressedError") {
    const { error: held, suppressed } = error as SuppressedError;
    if (held !== undefined) form.error = carriedForm(held, sent);
    if (suppressed !== undefined) form.suppressed = carriedForm(suppressed, sent);
    special.add("error").add("suppressed");
  }
  const cause = sent ? ("cause" in error ? error.cause : undefined) : error.cause;
  if (!sent && cause === undefined && Object.hasOwn(error, "cause")) {
    form.cause = { $: "undefined kept" };
  } else if (cause !== undefined) form.cause = carriedForm(cause, sent);
  const own: [string, unknown][] = [];
  for (const [key, item] of Object.entries(error)) {
    if (special.has(key) || item === undefined) continue;
    const itemForm = carriedForm(item, sent);
    if (sent && (itemForm as { $?: string })?.$ === "undefined") continue;
    own.push([key, itemForm]);
  }
  form.own = own.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  return form;
}

/** The class an error that arrived is, by its prototype. */
function arrivedClass(error: Error): string {
  const prototype = Object.getPrototypeOf(error);
  const classes = [...ERROR_CLASSES, AggregateError, SuppressedError];
  return classes.find((Class) => Class.prototype === prototype)?.name ?? "an odd class";
}

/** FNV-1a of the bytes: large arrays are compared by it, with their length. */
function digest(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  return hash >>> 0;
}
