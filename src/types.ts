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

/** The action names of a protocol. */
export type ActionOf<P> = keyof P & string;

/** The actions of a protocol that have a response entry, so can be requested. */
export type RequestActionOf<P> = {
  [K in ActionOf<P>]: ResponseAction<K> extends keyof P ? K : never;
}[ActionOf<P>];

/** The data that answers request action `K`: its response action's entry. */
export type ResponseOf<P, K extends string> = ResponseAction<K> extends keyof P
  ? P[ResponseAction<K>]
  : unknown;

/**
 * A received message, as listeners see it.
 *
 * @typeParam P The protocol.
 * @typeParam K The action.
 * @typeParam S The cluster's service names, when known (see `Peer`).
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

/** Any message of protocol `P`; narrow it by its `action`. */
export type AnyMessage<P = Protocol, S extends string = string> = {
  [K in ActionOf<P>]: Message<P, K, S>;
}[ActionOf<P>];

/** Listens for one action. */
export type Listener<P, K extends ActionOf<P>, S extends string = string> = (
  data: P[K],
  message: Message<P, K, S>,
) => void;

/**
 * Answers requests for one action with its return value or resolved
 * promise; or, to `requestStream()`, with the parts an async iterable
 * (an async generator, say) yields.
 */
export type Handler<P, K extends ActionOf<P>, S extends string = string> = (
  data: P[K],
  message: Message<P, K, S>,
) => ResponseOf<P, K> | Promise<ResponseOf<P, K>> | AsyncIterable<ResponseOf<P, K>>;

/** Options of `request()`. */
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

/** Options of `requestAll()`. */
export interface RequestAllOptions<S extends string = string> {
  /** Who to ask; defaults to every worker. */
  to?: Target<S>;
  /** How long to wait for each answer, in ms; defaults to the cluster's `requestTimeout`. */
  timeout?: number;
  /** Cancels the requests still open; they settle with the signal's reason. */
  signal?: AbortSignal;
}

/** One target's outcome in `requestAll()`: its answer or its error. */
export type Settled<T, S extends string = string> =
  | { from: Address<S>; data: T }
  | { from: Address<S>; error: Error };

/**
 * A named service process, as `getProcess(name)` returns it.
 *
 * @typeParam P The protocol.
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
   * @param options Timeout and abort signal.
   * @returns The data of its response.
   */
  request<K extends RequestActionOf<P>>(
    action: K,
    data: P[K],
    options?: Omit<RequestOptions, "to">,
  ): Promise<ResponseOf<P, K>>;
}

/** The traffic of one connection, as `stats()` reports it. */
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

/** One child process, as the manager's `stats()` reports it. */
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
 */
export type ChildState = "starting" | "ready" | "stopping" | "restarting" | "failed" | "stopped";

/** What `stats()` reports: enough to spot a slow consumer or a leak. */
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
