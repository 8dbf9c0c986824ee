/**
 * Action names: the rule that pairs a request with its response, and the
 * check that keeps user actions out of the reserved `$` namespace.
 *
 * @module
 */

/**
 * The response action for a request action: a trailing `Request` becomes
 * `Response`, anything else gets `Response` appended.
 *
 * @example The response a request is answered with
 * ```ts
 * import { type ResponseAction, responseAction } from "@switchboard/switchboard";
 *
 * const echo: ResponseAction<"echoRequest"> = "echoResponse";
 * const stats: ResponseAction<"stats"> = "statsResponse";
 * console.assert(responseAction("echoRequest") === echo && responseAction("stats") === stats);
 * ```
 */
export type ResponseAction<K extends string> = K extends `${infer Base}Request` ? `${Base}Response`
  : `${K}Response`;

const REQUEST_SUFFIX = "Request";

/**
 * Derives the response action for a request action, the rule `request()`
 * and `handle()` follow.
 *
 * @param action The request action, e.g. `"testRequest"`.
 * @returns The response action, e.g. `"testResponse"`.
 *
 * @example Derive response actions
 * ```ts
 * import { responseAction } from "@switchboard/switchboard";
 *
 * console.assert(responseAction("testRequest") === "testResponse");
 * console.assert(responseAction("stats") === "statsResponse");
 * ```
 */
export function responseAction<K extends string>(action: K): ResponseAction<K> {
  let response = responses.get(action);
  if (response === undefined) {
    const base = action.endsWith(REQUEST_SUFFIX) ? action.slice(0, -REQUEST_SUFFIX.length) : action;
    response = `${base}Response`;
    // Requests and answers derive it every time; a program has few actions.
    if (responses.size < RESPONSE_CACHE_LIMIT) responses.set(action, response);
  }
  return response as ResponseAction<K>;
}

const RESPONSE_CACHE_LIMIT = 1024;
const responses = new Map<string, string>();

/** Actions starting with this are Switchboard's own control frames. */
export const CONTROL_PREFIX = "$";

/**
 * Checks that `action` is a name users may send or listen to.
 *
 * @throws {TypeError} When it is not a non-empty string or is reserved.
 */
export function assertUserAction(action: unknown): asserts action is string {
  if (typeof action !== "string" || action.length === 0) {
    throw new TypeError(
      `An action is a non-empty string, got ${JSON.stringify(action) ?? String(action)}`,
    );
  }
  if (action.startsWith(CONTROL_PREFIX)) {
    throw new TypeError(
      `Action "${action}" is reserved: names starting with "${CONTROL_PREFIX}" are Switchboard's own`,
    );
  }
}
