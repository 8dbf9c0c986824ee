/**
 * The handle to a named service process that `getProcess(name)` returns:
 * messages and requests addressed to the service.
 *
 * @module
 */

import type { ActionOf, Protocol, RequestActionOf, ResponseOf } from "./protocol.ts";
import type { RequestOptions } from "./request_types.ts";

/**
 * A named service process, as `getProcess(name)` returns it.
 *
 * @typeParam P The protocol.
 *
 * @example Log to a service, then ask it to flush
 * ```ts
 * import type { Peer, ProcessHandle } from "@switchboard/switchboard";
 *
 * type Logs = { log: { line: string }; flushRequest: undefined; flushResponse: { lines: number } };
 *
 * export async function shutdown(peer: Peer<Logs>): Promise<number> {
 *   const logger: ProcessHandle<Logs> = peer.getProcess("logger");
 *   logger.send("log", { line: "shutting down" });
 *   const { lines } = await logger.request("flushRequest", undefined, { timeout: 5_000 });
 *   return lines;
 * }
 * ```
 */
export interface ProcessHandle<P = Protocol> {
  /** The service's name, its address. */
  readonly name: string;
  /**
   * Sends it a message.
   *
   * @param action The action.
   * @param data The data.
   * @returns Whether the message was handed over (false if it is not connected).
   * @throws {FrameError} When the data cannot be encoded.
   * @throws {QueueFullError} When its queue has no room for it (`maxQueuedBytes`).
   * @throws {ValidationError} When the data fails its action's schema.
   */
  send<K extends ActionOf<P>>(action: K, data: P[K]): boolean;
  /**
   * Sends it a request.
   *
   * @param action The request action.
   * @param data The data.
   * @param options Timeout and abort signal; a `to` rejects with `TypeError`,
   * as the target is the service.
   * @returns The data of its response.
   */
  request<K extends RequestActionOf<P>>(
    action: K,
    data: P[K],
    options?: Omit<RequestOptions, "to">,
  ): Promise<ResponseOf<P, K>>;
}
