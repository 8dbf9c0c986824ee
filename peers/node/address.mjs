/**
 * Names processes in error messages as Switchboard does (`src/address.ts`):
 * `worker 1`, `service "logger"`, `the manager`, `the manager of host
 * "web-2"`; a message's target is `every worker` when left out.
 *
 * @module
 */

/** @typedef {number | string} Address A worker id, a service name, or `MANAGER`. */

/** The manager's address. */
export const MANAGER = "manager";

/** What a manager's address starts with, seen from another host. */
const MANAGER_OF = `${MANAGER}@`;

/**
 * Whether `address` is a manager: this host's, or another's (`manager@b`).
 *
 * @param {Address} address
 * @returns {boolean}
 */
export function isManager(address) {
  return address === MANAGER || (typeof address === "string" && address.startsWith(MANAGER_OF));
}

/**
 * Names a process: `worker 1`, `service "logger"`, `the manager`.
 *
 * @param {Address} address
 * @returns {string}
 */
export function describe(address) {
  if (typeof address === "number") return `worker ${address}`;
  if (address === MANAGER) return "the manager";
  if (typeof address === "string" && address.startsWith(MANAGER_OF)) {
    return `the manager of host ${JSON.stringify(address.slice(MANAGER_OF.length))}`;
  }
  return `service ${JSON.stringify(address)}`;
}

/**
 * Names where a message goes: one process, a list of them, or, left out,
 * every worker.
 *
 * @param {Address | Address[] | undefined} to
 * @returns {string}
 */
export function describeTarget(to) {
  if (to === undefined) return "every worker";
  if (!Array.isArray(to)) return describe(to);
  return to.length === 0 ? "nobody" : to.map(describe).join(", ");
}

/**
 * Whether `value` is one process's address: a worker id (an integer from 0)
 * or a name.
 *
 * @param {unknown} value
 * @returns {value is Address}
 */
export function isAddress(value) {
  return (Number.isInteger(value) && value >= 0) || (typeof value === "string" && value !== "");
}
