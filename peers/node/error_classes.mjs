/**
 * Which class an error arrives as: a reader makes it from the `name` it
 * was sent with (README's Protocol, the `"error"` tag), so a sender
 * refuses an error that would arrive as another class than it is. As
 * Switchboard's `src/error_classes.ts`.
 *
 * @module
 */

/** The built-in error classes a name revives as; any other name is an `Error`. */
const ERROR_CLASSES = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * What `using` throws when a disposal fails too, holding both errors.
 * Node.js has the class from version 24; before, such an error arrives as
 * an `Error` named "SuppressedError" that holds them the same way.
 *
 * @type {ErrorConstructor | undefined}
 */
const SuppressedErrorClass = globalThis.SuppressedError;

/** Errors of these classes must arrive as themselves; others arrive by their name. */
const BUILT_IN_PROTOTYPES = new Set(
  [...Object.values(ERROR_CLASSES), AggregateError, SuppressedErrorClass ?? Error].map((Class) =>
    Class.prototype
  ),
);

/**
 * The class a reader makes of an error sent with `name`, and `errors` if it has them.
 *
 * @param {string} name
 * @param {unknown} errors
 */
export function revivedErrorClass(name, errors) {
  if (name === "AggregateError" && Array.isArray(errors)) return AggregateError;
  if (name === "SuppressedError" && SuppressedErrorClass) return SuppressedErrorClass;
  return Object.hasOwn(ERROR_CLASSES, name) ? ERROR_CLASSES[name] : Error;
}

/**
 * Whether `error` holds an `error` and a `suppressed` to carry, as a
 * `SuppressedError` does (or, before Node.js 24, an `Error` revived as one).
 *
 * @param {Error} error
 */
export function isSuppressedError(error) {
  return SuppressedErrorClass
    ? error instanceof SuppressedErrorClass
    : error.name === "SuppressedError" && Object.getPrototypeOf(error) === Error.prototype;
}

/**
 * A `SuppressedError` (or, before Node.js 24, an `Error` of that name)
 * holding `held` and `suppressed`, as the class keeps them: not enumerable.
 *
 * @param {unknown} held
 * @param {unknown} suppressed
 * @param {string} message
 * @returns {Error}
 */
export function suppressedError(held, suppressed, message) {
  if (SuppressedErrorClass) return new SuppressedErrorClass(held, suppressed, message);
  const error = new Error(message);
  for (
    const [key, value] of [["name", "SuppressedError"], ["error", held], ["suppressed", suppressed]]
  ) {
    Object.defineProperty(error, key, {
      value,
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }
  return error;
}

/**
 * Why `error` would not arrive as it is, if it would not: a name, message
 * or stack that is not a string, or a built-in class that its name does
 * not revive as. Another class arrives as the class its name says: an
 * `Error` with its name unless that names a built-in one.
 *
 * @param {Error} error
 * @param {{ name: unknown, message: unknown, stack: unknown, errors: unknown }} read
 * @returns {string | undefined}
 */
export function errorNotCarried(error, { name, message, stack, errors }) {
  const what = describeError(error);
  if (typeof name !== "string") {
    return `${what} whose name is not a string (it would arrive as ${
      JSON.stringify(String(name))
    })`;
  }
  if (typeof message !== "string") {
    return `${what} whose message is not a string (it would arrive as ${
      JSON.stringify(String(message))
    })`;
  }
  if (stack !== undefined && typeof stack !== "string") {
    return `${what} whose stack is not a string (it would arrive without one)`;
  }
  const prototype = Object.getPrototypeOf(error);
  const revived = revivedErrorClass(name, errors);
  if (prototype === revived.prototype || !BUILT_IN_PROTOTYPES.has(prototype)) return undefined;
  if (error instanceof AggregateError && !Array.isArray(errors)) {
    return `${what} whose errors is not an array (it would arrive as ${article(revived.name)})`;
  }
  return `${what} named ${JSON.stringify(name)} (it would arrive as ${
    article(revived.name)
  }: an error arrives as the class its name says)`;
}

/** @param {Error} error */
function describeError(error) {
  const name = error.constructor?.name;
  return article(typeof name === "string" && name !== "" ? name : "Error");
}

/** @param {string} name */
function article(name) {
  return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`;
}
