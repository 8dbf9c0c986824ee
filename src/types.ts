/**
 * The public types' old home, now split by area (`protocol.ts`,
 * `listener_types.ts`, `request_types.ts`, `process_handle.ts`,
 * `stats.ts`, `lifecycle_event.ts`). It only re-exports them, for the
 * modules that still import from here (requester.ts, request_sender.ts,
 * stream_requester.ts, cluster.ts, cluster_start.ts, nats/link.ts,
 * nats/send_windows.ts), being changed elsewhere meanwhile: once they
 * import from the new files, this file goes. `mod.ts` does not use it.
 *
 * @module
 */

export type { LifecycleEvent } from "./lifecycle_event.ts";
export type { AnyMessage, Handler, Listener, Message } from "./listener_types.ts";
export type { ProcessHandle } from "./process_handle.ts";
export type { ActionOf, Protocol, RequestActionOf, ResponseOf } from "./protocol.ts";
export type { RequestAllOptions, RequestOptions, Settled } from "./request_types.ts";
export type { ChildState, ChildStats, ClusterStats, ConnectionStats, PeerStats } from "./stats.ts";
