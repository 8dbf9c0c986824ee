/**
 * The lifecycle events: what happened to a child process (or, across
 * hosts, to a host), as `onLifecycle` listeners in every process see it.
 *
 * @module
 */

import type { Address } from "./address.ts";

/**
 * Something that happened to a child process, as `onLifecycle` listeners
 * in every process see it.
 *
 * - `exit`: it exited without being asked; `restart` tells whether it will
 *   be restarted; `hung: true` when the manager killed it because it did not
 *   answer the watchdog within `hangTimeout` (its event loop was blocked).
 * - `restart`: a new process for it is starting, after its back-off;
 *   `attempt` counts its restarts since the cluster started, this one
 *   included (not the restart budget, which counts crashes within `period`).
 * - `ready`: it is ready for messages again (after a restart or a reload).
 * - `fatal`: it exited too often (`maxRestarts` within `period`) and stays down.
 * - `reload`: it is being replaced by `cluster.reload()`: the old process
 *   does its stop work and exits, and a new one starts (`ready` follows);
 *   `reason: "memory"` when the manager replaces it on its own, as it held
 *   more than its `maxMemory`.
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
    /** The manager killed it: it did not answer the watchdog within `hangTimeout`. */
    hung?: true;
  }
  | { type: "restart"; address: Address; attempt: number }
  | { type: "ready"; address: Address }
  | { type: "fatal"; address: Address; restarts: number; period: number }
  | {
    type: "reload";
    address: Address;
    /** Why, when the manager chose to: `"memory"`, it held more than its `maxMemory`. */
    reason?: "memory";
  }
  | {
    type: "hostJoined";
    address: string;
    host: string;
    workers: number[];
    services: string[];
  }
  | { type: "hostLeft"; address: string; host: string };
