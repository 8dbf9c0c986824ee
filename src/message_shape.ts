/**
 * What a decoded frame must look like to be a message: the checks
 * `decodeMessage` makes of its fields (README "Protocol"), so that code
 * past the codec can trust every one. Apart from the codec, as a message's
 * shape is one idea, and turning it into bytes and back another.
 *
 * @module
 */

/** The action of a decoded frame whose shape is wrong, when it has a valid one. */
export function actionOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { action } = value as { action?: unknown };
  return typeof action === "string" && action.length > 0 ? action : undefined;
}

/** Returns what is wrong with a decoded frame, or undefined if nothing is. */
export function checkShape(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "it is not a JSON object";
  }
  const message = value as Record<string, unknown>;
  if (typeof message.action !== "string" || message.action.length === 0) {
    return 'its "action" is not a non-empty string';
  }
  if (message.messageId !== undefined && typeof message.messageId !== "string") {
    return 'its "messageId" is not a string';
  }
  if (message.re !== undefined && message.re !== true) {
    return 'its "re" is not true';
  }
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
  if (message.part !== undefined && message.part !== true) {
    return 'its "part" is not true';
  }
  // Only an answer comes in parts: a request marked so would be neither run nor answered.
  if (message.part === true && message.re !== true) {
    return 'its "part" is for answers, and it has no "re": true';
  }
  if (message.error !== undefined) {
    const error = message.error as Record<string, unknown> | null;
    if (
      typeof error !== "object" || error === null ||
      typeof error.name !== "string" || typeof error.message !== "string" ||
      (error.stack !== undefined && typeof error.stack !== "string") ||
      (error.schema !== undefined && typeof error.schema !== "string") ||
      (error.issues !== undefined && !isIssueList(error.issues)) ||
      (error.stopping !== undefined && error.stopping !== true) ||
      (error.undelivered !== undefined && error.undelivered !== true)
    ) {
      return 'its "error" is not an object with string "name" and "message"';
    }
    // Only an answer fails: a request carrying one would be neither run nor answered.
    if (message.re !== true) return 'its "error" is for answers, and it has no "re": true';
  }
  return undefined;
}

/** Whether a wire error's `issues` is a list of `{message, path}`, path of keys and indexes. */
function isIssueList(value: unknown): boolean {
  return Array.isArray(value) &&
    value.every((issue) =>
      typeof issue === "object" && issue !== null && typeof issue.message === "string" &&
      Array.isArray(issue.path) &&
      issue.path.every((step: unknown) => typeof step === "string" || typeof step === "number")
    );
}
