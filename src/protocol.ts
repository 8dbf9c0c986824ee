/**
 * The types a protocol is described with. A protocol is one flat map from
 * action to data type; a request action `K` is answered by the entry for
 * its response action (`fooRequest` → `fooResponse`, `bar` → `barResponse`).
 *
 * @module
 */

import type { ResponseAction } from "./action.ts";

/**
 * The protocol of an untyped cluster: any action, `unknown` data. Pass your
 * own map as the type parameter to have actions and data checked.
 *
 * @example A typed protocol
 * ```ts
 * import type { Peer } from "@switchboard/switchboard";
 *
 * type Chat = {
 *   say: { text: string }; // a message
 *   countRequest: { since: number }; // a request…
 *   countResponse: { count: number }; // …and what answers it
 * };
 *
 * export async function chat(peer: Peer<Chat>): Promise<number> {
 *   peer.sendMessage("say", { text: "hi" });
 *   const { count } = await peer.request("countRequest", { since: 0 }, { to: 0 });
 *   return count;
 * }
 * ```
 */
export type Protocol = Record<string, unknown>;

/**
 * The action names of a protocol.
 *
 * @example The actions of a protocol
 * ```ts
 * import type { ActionOf } from "@switchboard/switchboard";
 *
 * type Chat = {
 *   say: { text: string };
 *   countRequest: { since: number };
 *   countResponse: { count: number };
 * };
 * const actions: ActionOf<Chat>[] = ["say", "countRequest", "countResponse"];
 * // @ts-expect-error "shout" is not an action of Chat.
 * const shout: ActionOf<Chat> = "shout";
 * console.assert(actions.length === 3);
 * ```
 */
export type ActionOf<P> = keyof P & string;

/**
 * The actions of a protocol that have a response entry, so can be requested.
 *
 * @example Only actions with a response can be requested
 * ```ts
 * import type { RequestActionOf } from "@switchboard/switchboard";
 *
 * type Chat = {
 *   say: { text: string };
 *   countRequest: { since: number };
 *   countResponse: { count: number };
 * };
 * const count: RequestActionOf<Chat> = "countRequest";
 * // @ts-expect-error Chat has no "sayResponse", so "say" cannot be requested.
 * const say: RequestActionOf<Chat> = "say";
 * console.assert(count === "countRequest");
 * ```
 */
export type RequestActionOf<P> = {
  [K in ActionOf<P>]: ResponseAction<K> extends keyof P ? K : never;
}[ActionOf<P>];

/**
 * The data that answers request action `K`: its response action's entry.
 *
 * @example Cache the answers to a request
 * ```ts
 * import type { Peer, ResponseOf } from "@switchboard/switchboard";
 *
 * type Chat = { countRequest: { since: number }; countResponse: { count: number } };
 * type Count = ResponseOf<Chat, "countRequest">; // { count: number }
 * const cache = new Map<number, Count>();
 *
 * export async function count(peer: Peer<Chat>, since: number): Promise<Count> {
 *   const answer = cache.get(since) ?? await peer.request("countRequest", { since }, { to: 0 });
 *   cache.set(since, answer);
 *   return answer;
 * }
 * ```
 */
export type ResponseOf<P, K extends string> = ResponseAction<K> extends keyof P
  ? P[ResponseAction<K>]
  : unknown;
