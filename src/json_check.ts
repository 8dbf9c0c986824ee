/**
 * What JSON cannot carry: values `JSON.stringify` throws on (BigInt,
 * cycles) and values it silently drops or mangles (functions, symbols,
 * NaN and the infinities, Map, Set, typed arrays). Finding them before
 * encoding turns a lossy send into a clear error that says where.
 *
 * @module
 */

/** Below this depth no cycle check is made: real data rarely nests deeper. */
const FAST_DEPTH = 64;
const TOO_DEEP = Symbol("too deep");

interface Problem {
  /** Keys and indexes from the root to the value, innermost first. */
  path: (string | number)[];
  what: string;
}

/**
 * Returns what in `data` JSON cannot carry, e.g. `data.handlers[2] is a
 * function`, or undefined when JSON carries all of it faithfully.
 * (`undefined` properties are left out, as JSON does.)
 */
export function findUnencodable(data: unknown): string | undefined {
  // A fast walk without cycle checks first; only data nested deeper than
  // FAST_DEPTH (or cyclic) pays for a second walk that tracks ancestors.
  let found = walk(data, 0, undefined);
  if (found === TOO_DEEP) found = walk(data, 0, new Set());
  if (found === undefined || found === TOO_DEEP) return undefined;
  return `${formatPath(found.path.reverse())} is ${found.what}`;
}

function walk(
  value: unknown,
  depth: number,
  ancestors: Set<object> | undefined,
): Problem | typeof TOO_DEEP | undefined {
  switch (typeof value) {
    case "function":
      return { path: [], what: "a function" };
    case "symbol":
      return { path: [], what: "a symbol" };
    case "bigint":
      return { path: [], what: "a BigInt" };
    case "number":
      return Number.isFinite(value) ? undefined : { path: [], what: String(value) };
    case "object":
      return value === null ? undefined : walkObject(value, depth, ancestors);
    default:
      return undefined;
  }
}

function walkObject(
  object: object,
  depth: number,
  ancestors: Set<object> | undefined,
): Problem | typeof TOO_DEEP | undefined {
  if (ancestors === undefined) {
    if (depth >= FAST_DEPTH) return TOO_DEEP;
  } else if (ancestors.has(object)) {
    return { path: [], what: "circular (it contains itself)" };
  }
  if (!Array.isArray(object)) {
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) {
      const special = describeSpecial(object);
      if (special !== undefined) return special ? { path: [], what: special } : undefined;
    }
  }
  ancestors?.add(object);
  try {
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) {
        const found = walk(object[i], depth + 1, ancestors);
        if (found === undefined) continue;
        if (found !== TOO_DEEP) found.path.push(i);
        return found;
      }
      return undefined;
    }
    const record = object as Record<string, unknown>;
    for (const key in record) {
      const found = walk(record[key], depth + 1, ancestors);
      // for…in also visits inherited keys, which JSON skips.
      if (found === undefined || !Object.hasOwn(record, key)) continue;
      if (found !== TOO_DEEP) found.path.push(key);
      return found;
    }
    return undefined;
  } finally {
    ancestors?.delete(object);
  }
}

/**
 * For an object that is not plain: "" when JSON handles it (it has
 * `toJSON`, like Date), what it is when JSON mangles it, or undefined to
 * walk its own properties as JSON does.
 */
function describeSpecial(object: object): string | undefined {
  if (typeof (object as { toJSON?: unknown }).toJSON === "function") return "";
  if (object instanceof Map) return "a Map";
  if (object instanceof Set) return "a Set";
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    return `a ${object.constructor.name} (use Array.from or base64)`;
  }
  return undefined;
}

function formatPath(path: (string | number)[]): string {
  let text = "data";
  for (const step of path) {
    text += typeof step === "number"
      ? `[${step}]`
      : /^[A-Za-z_$][\w$]*$/.test(step)
      ? `.${step}`
      : `[${JSON.stringify(step)}]`;
  }
  return text;
}
