/**
 * What `stats()` reports: a process's traffic and open work, each
 * connection's counts, and in the manager its children and hosts.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { HostRecord } from "./broker.ts";

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
