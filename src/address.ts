/**
 * Addresses name the processes of a cluster: a worker by its 0-based id, a
 * service process by its name, the manager by {@linkcode MANAGER}.
 *
 * @module
 */

/**
 * The address of a process: a worker id, a service name, or
 * {@linkcode MANAGER}. Given the cluster's service names `S`, only those
 * names (and the managers') are addresses, so that a misspelt service is a
 * type error; by default any string is.
 *
 * @example Address the processes of a cluster with services
 * ```ts
 * import { type Address, MANAGER } from "@switchboard/switchboard";
 *
 * type Services = "logger" | "metrics";
 * const everyone: Address<Services>[] = [0, 1, "logger", MANAGER, "manager@web-2"];
 * // @ts-expect-error A misspelt service is a type error.
 * const typo: Address<Services> = "loger";
 * console.assert(everyone.length === 5);
 * ```
 */
export type Address<S extends string = string> = number | S | typeof MANAGER | ManagerAddress;

/**
 * The address of a manager as other hosts reach it: `manager@<host>` (see {@linkcode managerOf}).
 *
 * @example Which host a manager's address names
 * ```ts
 * import { type ManagerAddress, managerOf } from "@switchboard/switchboard";
 *
 * const web2: ManagerAddress = managerOf("web-2");
 * const host = web2.slice("manager@".length);
 * console.assert(web2 === "manager@web-2" && host === "web-2");
 * ```
 */
export type ManagerAddress = `manager@${string}`;

/**
 * Where a message goes: one address or a list of them (of the service names `S`, if given).
 *
 * @example Send to one process or to several
 * ```ts
 * import type { Peer, Target } from "@switchboard/switchboard";
 *
 * export function reconfigure(peer: Peer, to: Target): number {
 *   return peer.sendMessage("configChanged", { at: Date.now() }, to);
 * }
 *
 * const one: Target = 1;
 * const some: Target = [0, 2, "logger"];
 * console.assert(!Array.isArray(one) && Array.isArray(some));
 * ```
 */
export type Target<S extends string = string> = Address<S> | readonly Address<S>[];

/**
 * The manager's address, as `msg.from` shows it and as `to` takes it. No
 * service process may take this name.
 *
 * @example Answer the manager
 * ```ts
 * import { MANAGER } from "@switchboard/switchboard";
 *
 * const from: number | string = MANAGER;
 * console.assert(from === "manager");
 * ```
 */
export const MANAGER = "manager";

/**
 * The target that means "one worker, whichever is least busy":
 * `request(action, data, { to: ANY })` and `sendMessage(action, data,
 * ANY)`. A worker that is down or restarting is never chosen.
 *
 * @example Give work to whichever worker is free
 * ```ts
 * import { ANY, type Peer } from "@switchboard/switchboard";
 *
 * type Work = { resizeRequest: { url: string }; resizeResponse: { bytes: number } };
 *
 * export async function resize(peer: Peer<Work>, url: string): Promise<number> {
 *   const { bytes } = await peer.request("resizeRequest", { url }, { to: ANY });
 *   return bytes;
 * }
 * ```
 */
export const ANY: unique symbol = Symbol.for("switchboard.any");

/** What a manager's address starts with, seen from another host. */
const MANAGER_OF = `${MANAGER}@`;

/**
 * The address of the manager of host `host`, as processes on other hosts
 * of a cluster that spans several reach it: `manager@<host>`. (On its own
 * host it is also {@linkcode MANAGER}.)
 *
 * @example Ask another host's manager
 * ```ts
 * import { managerOf } from "@switchboard/switchboard";
 *
 * console.assert(managerOf("web-2") === "manager@web-2");
 * ```
 */
export function managerOf(host: string): ManagerAddress {
  return `${MANAGER}@${host}`;
}

/** Whether `address` is a manager's address as other hosts know it. */
export function isManagerOf(address: Address): address is string {
  return typeof address === "string" && address.startsWith(MANAGER_OF);
}

/**
 * Names a process for error messages: `worker 1`, `service "logger"`,
 * `the manager`, `the manager of host "web-2"`.
 */
export function describe(address: Address): string {
  if (typeof address === "number") return `worker ${address}`;
  if (address === MANAGER) return "the manager";
  if (isManagerOf(address)) {
    return `the manager of host ${JSON.stringify(address.slice(MANAGER_OF.length))}`;
  }
  return `service ${JSON.stringify(address)}`;
}

/** Names a child in front of its output lines: `worker 1`, a service's name as it is. */
export function outputLabel(address: Address): string {
  return typeof address === "number" ? `worker ${address}` : address;
}

/** Whether `value` has the shape of an address (it may still name no process). */
export function isAddress(value: unknown): value is Address {
  return (typeof value === "number" && Number.isInteger(value) && value >= 0) ||
    (typeof value === "string" && value.length > 0);
}

/**
 * Checks a `to` argument and returns its addresses.
 *
 * @param doing What the call does to them, for the error: `send "tick" to`
 * (the default, for `action`), `reload`.
 * @throws {TypeError} When it is neither an address nor a list of them.
 */
export function targetsOf(
  to: Target,
  action: string,
  doing = `send "${action}" to`,
): readonly Address[] {
  const list = Array.isArray(to) ? to : [to];
  for (const address of list) {
    if ((address as unknown) === ANY) {
      throw new TypeError(
        `Cannot ${doing} ANY: it picks one worker, as the whole target of request(), ` +
          "requestStream() or sendMessage(); give addresses, or leave the target out for every worker",
      );
    }
    if (!isAddress(address)) {
      throw new TypeError(
        `Cannot ${doing} ${
          JSON.stringify(address) ?? String(address)
        }: a target is a worker id (integer >= 0), a service name or MANAGER`,
      );
    }
  }
  return list;
}

/** Names a `to` argument for error messages; left out, it means every worker. */
export function describeTarget(to: Target | typeof ANY | undefined): string {
  if (to === undefined) return "every worker";
  if (to === ANY) return "any worker";
  if (!Array.isArray(to)) return describe(to as Address);
  return to.length === 0 ? "nobody" : to.map(describe).join(", ");
}
