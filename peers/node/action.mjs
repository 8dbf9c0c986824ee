/**
 * Action names, as Switchboard's `src/action.ts`: the rule that pairs a
 * request with its response, and the check that keeps user actions out of
 * the reserved `$` namespace.
 *
 * @module
 */

/**
 * The response action of a request action: `fooRequest` → `fooResponse`,
 * `bar` → `barResponse`.
 *
 * @param {string} action
 * @returns {string}
 */
export function responseAction(action) {
  return `${action.endsWith("Request") ? action.slice(0, -"Request".length) : action}Response`;
}

/**
 * Checks that `action` is a name users may send or listen to.
 *
 * @param {unknown} action
 * @throws {TypeError} When it is not a non-empty string, or is reserved.
 */
export function assertUserAction(action) {
  if (typeof action !== "string" || action === "") {
    throw new TypeError(`An action is a non-empty string, got ${JSON.stringify(action)}`);
  }
  if (action.startsWith("$")) {
    throw new TypeError(
      `Action "${action}" is reserved: names starting with "$" are Switchboard's own`,
    );
  }
}
