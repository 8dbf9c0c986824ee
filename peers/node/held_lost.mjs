/**
 * The error that reports messages held for a sibling and never delivered
 * (`starting_siblings.mjs`, `next_process_holds.mjs`), as Switchboard's
 * `src/held_for_siblings.ts` words it.
 *
 * @module
 */

import { describe } from "./address.mjs";
import { UnreachableError } from "./errors.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/**
 * One error for every message held for `sibling` that could not go.
 *
 * @param {Address} sibling
 * @param {string[]} actions The lost messages' actions, in the order sent.
 * @param {string} why
 * @returns {UnreachableError}
 */
export function lostError(sibling, actions, why) {
  const what = actions.length === 1
    ? `Message "${actions[0]}"`
    : `${actions.length} messages (${[...new Set(actions)].map((a) => `"${a}"`).join(", ")})`;
  return new UnreachableError(
    `${what} to ${describe(sibling)}, held until it could take ${
      actions.length === 1 ? "it, was" : "them, were"
    } not delivered: ${why}`,
    { action: actions[0], peer: sibling },
  );
}
