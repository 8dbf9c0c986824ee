/**
 * What a thrown value becomes in a failed answer: a `WireError`, its name,
 * message and stack (and a `ValidationError`'s issues), whatever was
 * thrown. Apart from the codec, which only carries the error it is given.
 *
 * @module
 */

import type { WireError } from "./codec.ts";
import { ValidationError } from "./errors.ts";
import { inWords } from "./shown.ts";

/**
 * Converts anything thrown into the form a failed response carries. Never
 * throws, whatever was thrown: a handler's odd error must not break the
 * connection its answer travels on.
 */
export function toWireError(thrown: unknown): WireError {
  try {
    if (!(thrown instanceof Error)) return { name: "Error", message: thrownText(thrown) };
    const wire: WireError = { name: String(thrown.name), message: String(thrown.message) };
    const stack = thrown.stack;
    if (typeof stack === "string") wire.stack = stack;
    if (thrown instanceof ValidationError) {
      wire.schema = thrown.action;
      wire.issues = thrown.issues.map((issue) => ({
        message: String(issue.message),
        // A symbol key has no JSON form: its description stands for it.
        path: issue.path.map((step) => typeof step === "symbol" ? String(step) : step),
      }));
    }
    return wire;
  } catch {
    return { name: "Error", message: "an error that cannot be read" };
  }
}

/**
 * What was thrown that is no `Error`, in words: as `String()` writes it,
 * but an object without a `toString` of its own (`{ status: 404 }`, which
 * would say "[object Object]") as its JSON.
 */
function thrownText(thrown: unknown): string {
  const text = inWords(thrown);
  if (typeof thrown !== "object" || thrown === null || !text.startsWith("[object ")) return text;
  try {
    return JSON.stringify(thrown) ?? text;
  } catch {
    // A cycle, a BigInt: as String() wrote it.
    return text;
  }
}
