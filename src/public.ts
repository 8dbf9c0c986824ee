/**
 * The public API as one module, which `deno task build` bundles into
 * `dist/switchboard.js`: what `mod.ts` exports, with these types.
 *
 * @module
 */

export { MANAGER } from "./address.ts";
export type { Address, Target } from "./address.ts";
export { responseAction } from "./action.ts";
export type { ResponseAction } from "./action.ts";
export { Cluster, DEFAULTS } from "./cluster.ts";
export { DEFAULT_RESTART } from "./restart_policy.ts";
export type { RestartOptions } from "./restart_policy.ts";
export type { ClusterOptions, ServiceOptions } from "./cluster.ts";
export { connect } from "./connect.ts";
export type { ConnectOptions } from "./connect.ts";
export {
  ClosedError,
  FrameError,
  NoHandlerError,
  QueueFullError,
  RemoteError,
  SwitchboardError,
  TimeoutError,
  UnreachableError,
} from "./errors.ts";
export { Peer } from "./peer.ts";
export type { Permissions } from "./permissions.ts";
export type {
  ActionOf,
  AnyMessage,
  ChildState,
  ChildStats,
  ConnectionStats,
  Handler,
  LifecycleEvent,
  Listener,
  Message,
  PeerStats,
  ProcessHandle,
  Protocol,
  RequestActionOf,
  RequestAllOptions,
  RequestOptions,
  ResponseOf,
  Settled,
} from "./types.ts";
