/**
 * What a request is made with (the options of `request()` and
 * `requestAll()`) and what each target of `requestAll()` settles to.
 *
 * @module
 */

import type { Address, ANY, Target } from "./address.ts";

/**
 * Options of `request()`.
 *
 * @example Ask whichever worker is free, cancellably
 * ```ts
 * import { ANY, type Peer, type RequestOptions } from "@switchboard/switchboard";
 *
 * type Work = { resizeRequest: { url: string }; resizeResponse: { bytes: number } };
 *
 * export async function resize(peer: Peer<Work>, url: string, signal: AbortSignal): Promise<number> {
 *   const options: RequestOptions = { to: ANY, timeout: 10_000, signal };
 *   const { bytes } = await peer.request("resizeRequest", { url }, options);
 *   return bytes;
 * }
 * ```
 */
export interface RequestOptions<S extends string = string> {
  /**
   * Who to ask: a worker id, a service name, `MANAGER`, a `msg.from`, or
   * `ANY` for the least busy worker.
   */
  to: Address<S> | typeof ANY;
  /** How long to wait, in ms; defaults to the cluster's `requestTimeout`. */
  timeout?: number;
  /** Cancels the request; it rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Options of `requestAll()`.
 *
 * @example Ask some processes, with a short timeout
 * ```ts
 * import type { Peer, RequestAllOptions } from "@switchboard/switchboard";
 *
 * type Health = { healthRequest: undefined; healthResponse: { ok: boolean } };
 *
 * export async function healthy(peer: Peer<Health>): Promise<number> {
 *   const options: RequestAllOptions = { to: [0, 1, "logger"], timeout: 2_000 };
 *   const results = await peer.requestAll("healthRequest", undefined, options);
 *   return results.filter((result) => "data" in result && result.data.ok).length;
 * }
 * ```
 */
export interface RequestAllOptions<S extends string = string> {
  /** Who to ask; defaults to every worker. */
  to?: Target<S>;
  /** How long to wait for each answer, in ms; defaults to the cluster's `requestTimeout`. */
  timeout?: number;
  /**
   * Cancels the requests still open; they settle with the signal's reason
   * as their `error` (a reason that is not an `Error`, such as a string,
   * as an `AbortError` `DOMException` that shows it, the reason as its
   * `cause`).
   */
  signal?: AbortSignal;
}

/**
 * One target's outcome in `requestAll()`: its answer or its error.
 *
 * @example Split answers from failures
 * ```ts
 * import type { Settled } from "@switchboard/switchboard";
 *
 * export function failures<T>(results: Settled<T>[]): string[] {
 *   return results.flatMap((result) =>
 *     "error" in result ? [`${String(result.from)}: ${result.error.message}`] : []
 *   );
 * }
 *
 * const results: Settled<number>[] = [{ from: 0, data: 42 }, { from: 1, error: new Error("gone") }];
 * console.assert(failures(results).join() === "1: gone");
 * ```
 */
export type Settled<T, S extends string = string> =
  | { from: Address<S>; data: T }
  | { from: Address<S>; error: Error };
