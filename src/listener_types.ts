/**
 * What listeners and handlers are: the message they are given, typed by
 * the protocol and its action, and what a handler answers with.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { ActionOf, Protocol, ResponseOf } from "./protocol.ts";

/**
 * A received message, as listeners see it.
 *
 * @typeParam P The protocol.
 * @typeParam K The action.
 * @typeParam S The cluster's service names, when known (see `Peer`).
 *
 * @example Stop work the asker no longer waits for
 * ```ts
 * import type { Message, Peer } from "@switchboard/switchboard";
 *
 * type Jobs = { fetchRequest: { url: string }; fetchResponse: { status: number } };
 *
 * async function fetchStatus(data: { url: string }, msg: Message<Jobs, "fetchRequest">) {
 *   const response = await fetch(data.url, { signal: msg.signal }); // aborts with the request
 *   await response.body?.cancel();
 *   return { status: response.status };
 * }
 *
 * export function serve(peer: Peer<Jobs>): () => void {
 *   return peer.handle("fetchRequest", fetchStatus);
 * }
 * ```
 */
export interface Message<
  P = Protocol,
  K extends ActionOf<P> = ActionOf<P>,
  S extends string = string,
> {
  /** The action. */
  readonly action: K;
  /** The data. */
  readonly data: P[K];
  /** Who sent it: a worker id, a service name or `MANAGER`. Pass it as `to` to answer. */
  readonly from: Address<S>;
  /** The request's id, set on requests made with `request()` and on their responses. */
  readonly messageId: string | undefined;
  /**
   * For a request, aborts when its requester no longer waits for the
   * answer: its `signal` aborted, its timeout passed (the deadline travels
   * with the request), or it exited or closed. A handler doing long work
   * checks it, or passes it on (to `fetch`, say), and stops. Its reason is
   * a `DOMException`: `AbortError`, or `TimeoutError` for the timeout.
   * For any other message it never aborts.
   */
  readonly signal: AbortSignal;
  /**
   * Answers the sender, on the connection the message came on (or, when
   * two join the processes, the one this process sends to the sender on,
   * so that the answer keeps its place among them). To a request, the
   * answer carries its messageId back, so replying with the response
   * action answers the request.
   *
   * @param action The action of the answer.
   * @param data The data of the answer.
   * @returns Whether the answer was handed to the connection.
   * @throws {FrameError} When the data cannot be encoded.
   */
  reply<R extends ActionOf<P>>(action: R, data: P[R]): boolean;
}

/**
 * Any message of protocol `P`; narrow it by its `action`.
 *
 * @example Narrow any message by its action
 * ```ts
 * import type { AnyMessage, Peer } from "@switchboard/switchboard";
 *
 * type Chat = { say: { text: string }; join: { name: string } };
 *
 * function line(msg: AnyMessage<Chat>): string {
 *   if (msg.action === "say") return `${String(msg.from)}: ${msg.data.text}`;
 *   return `${msg.data.name} joined`;
 * }
 *
 * export function logChat(peer: Peer<Chat>): () => void {
 *   return peer.onAny((msg) => console.log(line(msg)));
 * }
 * ```
 */
export type AnyMessage<P = Protocol, S extends string = string> = {
  [K in ActionOf<P>]: Message<P, K, S>;
}[ActionOf<P>];

/**
 * Listens for one action.
 *
 * @example A listener kept apart from where it is registered
 * ```ts
 * import type { Listener, Peer } from "@switchboard/switchboard";
 *
 * type Chat = { say: { text: string } };
 *
 * const print: Listener<Chat, "say"> = (data, msg) => console.log(`${String(msg.from)}: ${data.text}`);
 *
 * export function listen(peer: Peer<Chat>): () => void {
 *   return peer.on("say", print);
 * }
 * ```
 */
export type Listener<P, K extends ActionOf<P>, S extends string = string> = (
  data: P[K],
  message: Message<P, K, S>,
) => void;

/**
 * Answers requests for one action with its return value or resolved
 * promise; or, to `requestStream()`, with the parts an async iterable
 * (an async generator, say) yields.
 *
 * @example A handler kept apart from where it is registered
 * ```ts
 * import type { Handler, Peer } from "@switchboard/switchboard";
 *
 * type Sums = { sumRequest: { values: number[] }; sumResponse: { sum: number } };
 *
 * const sum: Handler<Sums, "sumRequest"> = ({ values }) => ({
 *   sum: values.reduce((total, value) => total + value, 0),
 * });
 *
 * export function serve(peer: Peer<Sums>): () => void {
 *   return peer.handle("sumRequest", sum);
 * }
 * ```
 */
export type Handler<P, K extends ActionOf<P>, S extends string = string> = (
  data: P[K],
  message: Message<P, K, S>,
) =>
  | ResponseOf<P, K>
  | Promise<ResponseOf<P, K>>
  | AsyncIterable<ResponseOf<P, K>>
  // An answer that may hold nothing (`fooResponse: undefined`) is given by returning nothing.
  | (undefined extends ResponseOf<P, K> ? void | Promise<void> : never);
