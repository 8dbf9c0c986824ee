/**
 * The types a protocol is described with. A protocol is one flat map from
 * action to data type; a request action `K` is answered by the entry for
 * its response action (`fooRequest` → `fooResponse`, `bar` → `barResponse`).
 *
 * @module
 */

import type { ResponseAction } from "./action.ts";
import type { HostRecord } from "./broker.ts";
import type { Address, ANY, Target } from "./address.ts";

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

/**
 * The traffic of one connection, as `stats()` reports it.
 *
 * @example Total bytes waiting to be sent
 * ```ts
 * import type { ConnectionStats, Peer } from "@switchboard/switchboard";
 *
 * export function backlog(connections: ConnectionStats[]): number {
 *   return connections.reduce((total, connection) => total + connection.bytesQueued, 0);
 * }
 *
 * export const queued = (peer: Peer): number => backlog(peer.stats().connections);
 * const idle: ConnectionStats = {
 *   peer: "manager", messagesIn: 3, messagesOut: 3, bytesIn: 120, bytesOut: 96, bytesQueued: 0,
 * };
 * console.assert(backlog([idle]) === 0);
 * ```
 */
export interface ConnectionStats {
  /** The process at the other end. */
  peer: Address;
  /** Messages received on it. */
  messagesIn: number;
  /** Messages sent on it. */
  messagesOut: number;
  /** Bytes received, frame headers included. */
  bytesIn: number;
  /** Bytes sent, frame headers included. */
  bytesOut: number;
  /** Bytes queued to send and not yet written: a slow receiver shows here. */
  bytesQueued: number;
}

/**
 * One child process, as the manager's `stats()` reports it.
 *
 * @example Children that keep crashing
 * ```ts
 * import type { ChildStats, Cluster } from "@switchboard/switchboard";
 *
 * export function flapping(children: ChildStats[]): ChildStats[] {
 *   return children.filter((child) => child.restarts >= 3);
 * }
 *
 * export const watch = (cluster: Cluster): ChildStats[] => flapping(cluster.stats().children);
 * const worker1: ChildStats = { address: 1, pid: undefined, state: "restarting", restarts: 4 };
 * console.assert(flapping([worker1])[0] === worker1);
 * ```
 */
export interface ChildStats {
  /** Its address. */
  address: Address;
  /** Its process id; undefined while it is down. */
  pid: number | undefined;
  /** Where it is in its life. */
  state: ChildState;
  /**
   * How many times it was restarted since the cluster started: after a
   * crash, a clean exit or a SIGTERM alike (a reload is none), as the
   * `attempt` of its `restart` events counts; not the restart budget.
   */
  restarts: number;
}

/**
 * A child's state: `starting` (spawned, not ready yet), `ready`,
 * `stopping` (asked to stop: a stop, a reload, a SIGTERM), `restarting` (exited,
 * waiting out its back-off), `failed` (restarted too often, given up),
 * `stopped` (the cluster stopped, or restarts are off).
 *
 * @example Count the children that cannot take work
 * ```ts
 * import type { ChildState, ClusterStats } from "@switchboard/switchboard";
 *
 * const down: readonly ChildState[] = ["restarting", "failed", "stopped"];
 *
 * export function unavailable(stats: ClusterStats): number {
 *   return stats.children.filter((child) => down.includes(child.state)).length;
 * }
 * console.assert(!down.includes("ready"));
 * ```
 */
export type ChildState = "starting" | "ready" | "stopping" | "restarting" | "failed" | "stopped";

/**
 * What `stats()` reports: enough to spot a slow consumer or a leak.
 *
 * @example Tell whether a process is overloaded
 * ```ts
 * import type { Peer, PeerStats } from "@switchboard/switchboard";
 *
 * export function busy(stats: PeerStats): boolean {
 *   return stats.pendingRequests + stats.openStreams + stats.handlersRunning > 100;
 * }
 *
 * export const overloaded = (peer: Peer): boolean => busy(peer.stats());
 * const idle: PeerStats = {
 *   id: 0, pendingRequests: 0, openStreams: 0, handlersRunning: 0, connections: [],
 * };
 * console.assert(!busy(idle));
 * ```
 */
export interface PeerStats {
  /** This process's address. */
  id: Address;
  /** Requests sent and not yet settled, streamed requests apart. */
  pendingRequests: number;
  /**
   * Streamed requests (`requestStream()`) sent and not yet ended: each
   * counts from its first `next()` until its last part, its error or its
   * cancellation.
   */
  openStreams: number;
  /** Handler calls whose promise has not settled yet. */
  handlersRunning: number;
  /**
   * Each open connection, by the process at its other end; a process
   * appears twice while two connections join it to this one (both dialed
   * at once), the one this process sends on first.
   */
  connections: ConnectionStats[];
  /** The children, in the manager only: see {@linkcode ClusterStats}. */
  children?: ChildStats[];
}

/**
 * What the manager's `stats()` reports: {@linkcode PeerStats}, and always
 * its children.
 *
 * @example Which children are not ready
 * ```ts
 * import type { ClusterStats } from "@switchboard/switchboard";
 *
 * export function down(stats: ClusterStats): unknown[] {
 *   return stats.children.filter((child) => child.state !== "ready").map((child) => child.address);
 * }
 * ```
 */
export interface ClusterStats extends PeerStats {
  /** Each child of this host: its pid, state and restarts. */
  children: ChildStats[];
  /**
   * In a cluster that spans hosts (with a `broker`): every host, this one
   * included, by name, with the worker ids and services each runs, as
   * this host knows them now. (Its `onLifecycle` hears of hosts that join
   * or leave later: `hostJoined`, `hostLeft`.)
   */
  hosts?: HostRecord[];
}

/**
 * Something that happened to a child process, as `onLifecycle` listeners
 * in every process see it.
 *
 * - `exit`: it exited without being asked; `restart` tells whether it will
 *   be restarted.
 * - `restart`: a new process for it is starting, after its back-off;
 *   `attempt` counts its restarts since the cluster started, this one
 *   included (not the restart budget, which counts crashes within `period`).
 * - `ready`: it is ready for messages again (after a restart or a reload).
 * - `fatal`: it exited too often (`maxRestarts` within `period`) and stays down.
 * - `reload`: it is being replaced by `cluster.reload()`: the old process
 *   does its stop work and exits, and a new one starts (`ready` follows).
 * - `hostJoined`, `hostLeft`: in a cluster that spans hosts, a host joined
 *   (with its workers and services) or left (cleanly, or found dead); the
 *   event's `address` is that host's manager (`manager@<host>`).
 *
 * Events about children reach the processes of every host.
 *
 * @example Describe what happened
 * ```ts
 * import type { LifecycleEvent, Peer } from "@switchboard/switchboard";
 *
 * function describe(event: LifecycleEvent): string {
 *   if (event.type === "exit") return `${event.address} exited with ${event.code}`;
 *   if (event.type === "fatal") return `${event.address} stays down after ${event.restarts} restarts`;
 *   if (event.type === "hostJoined") return `host ${event.host} joined with workers ${event.workers}`;
 *   return `${event.address}: ${event.type}`;
 * }
 *
 * export const watch = (peer: Peer): (() => void) => peer.onLifecycle((e) => console.log(describe(e)));
 * console.assert(describe({ type: "ready", address: 2 }) === "2: ready");
 * ```
 */
export type LifecycleEvent =
  | {
    type: "exit";
    address: Address;
    code: number;
    signal: string | null;
    restart: boolean;
  }
  | { type: "restart"; address: Address; attempt: number }
  | { type: "ready"; address: Address }
  | { type: "fatal"; address: Address; restarts: number; period: number }
  | { type: "reload"; address: Address }
  | {
    type: "hostJoined";
    address: string;
    host: string;
    workers: number[];
    services: string[];
  }
  | { type: "hostLeft"; address: string; host: string };
