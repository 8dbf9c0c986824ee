/**
 * Which class an error arrives as: a reader makes it from the `name` it
 * was sent with (see README's Protocol, the `"error"` tag), so a sender
 * refuses an error that would arrive as another class than it is.
 *
 * @module
 */

/** The built-in error classes a name revives as; any other name is an `Error`. */
const ERROR_CLASSES: Readonly<Record<string, ErrorConstructor>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Errors of these classes must arrive as themselves; others arrive by their name. */
const BUILT_IN_PROTOTYPES: ReadonlySet<object> = new Set(
  [...Object.values(ERROR_CLASSES), AggregateError, SuppressedError].map((Class) =>
    Class.prototype
  ),
);

/** A class an error revives as. */
export type ErrorClass = ErrorConstructor | AggregateErrorConstructor | SuppressedErrorConstructor;

/**
 * The class a reader makes of an error sent with `name`, and `errors` if it
 * has them. A `SuppressedError` (what `using` throws when a disposal fails
 * too) comes with its `error` and `suppressed`, absent where undefined.
 */
export function revivedErrorClass(name: string, errors: unknown): ErrorClass {
  if (name === "AggregateError" && Array.isArray(errors)) return AggregateError;
  if (name === "SuppressedError") return SuppressedError;
  return Object.hasOwn(ERROR_CLASSES, name) ? ERROR_CLASSES[name] : Error;
}

/**
 * Why `error` would not arrive as it is, if it would not: a name, message
 * or stack that is not a string, or a built-in class that its name does
 * not revive as. Another class (a subclass of `Error`, a `DOMException`)
 * arrives as the class its name says: an `Error` with its name unless
 * that names a built-in one.
 */
export function errorNotCarried(
  error: Error,
  { name, message, stack, errors }: {
    name: unknown;
    message: unknown;
    stack: unknown;
    errors: unknown;
  },
): string | undefined {
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

function describeError(error: Error): string {
  const name = (error as { constructor?: { name?: unknown } }).constructor?.name;
  return article(typeof name === "string" && name !== "" ? name : "Error");
}

function article(name: string): string {
  return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`;
}
