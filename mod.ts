/**
 * Switchboard: messaging between the processes of one Deno application.
 *
 * A manager starts worker processes and named service processes; every
 * process can then send action-named messages to the others, listen with
 * plain functions, reply to the sender, and make typed requests. Processes
 * talk directly over Unix domain sockets, in length-prefixed JSON frames.
 *
 * @example Start workers, broadcast, ask one, gather from all
 * ```ts
 * import { Cluster } from "@switchboard/switchboard";
 *
 * type Protocol = {
 *   test: { time: number };
 *   echoRequest: { text: string };
 *   echoResponse: { text: string; worker: number };
 * };
 *
 * export async function main(): Promise<void> {
 *   await using cluster = await Cluster.start<Protocol>({
 *     worker: new URL("./worker.ts", import.meta.url), // below
 *     workers: 2,
 *   });
 *   cluster.sendMessage("test", { time: Date.now() }); // every worker
 *   const one = await cluster.request("echoRequest", { text: "hi" }, { to: 1 });
 *   const all = await cluster.requestAll("echoRequest", { text: "all" });
 *   console.log(one.worker, all.length); // 1 2
 * }
 * ```
 *
 * The worker module, `worker.ts`, joins with `connect()` and registers its
 * listeners:
 *
 * ```ts
 * import { connect, MANAGER } from "@switchboard/switchboard";
 *
 * type Protocol = {
 *   test: { time: number };
 *   echoRequest: { text: string };
 *   echoResponse: { text: string; worker: number };
 * };
 *
 * if (import.meta.main) {
 *   const peer = await connect<Protocol>();
 *   peer.on("test", (data, msg) => console.log(`got ${data.time} from`, msg.from === MANAGER ? "the manager" : msg.from));
 *   peer.handle("echoRequest", (data) => ({ text: data.text, worker: peer.workerId! }));
 * }
 * ```
 *
 * @module
 */

export { ANY, MANAGER, managerOf } from "./src/address.ts";
export type { Address, ManagerAddress, Target } from "./src/address.ts";
export { responseAction } from "./src/action.ts";
export type { Carried, Refusal } from "./src/carried_types.ts";
export type { ResponseAction } from "./src/action.ts";
export { Cluster } from "./src/cluster.ts";
export { DEFAULTS } from "./src/cluster_options.ts";
export type {
  ClusterOptions,
  CommandService,
  ModuleService,
  ServiceOptions,
} from "./src/cluster_options.ts";
export type {
  BounceDetails,
  Broker,
  BrokerLink,
  BrokerReceiver,
  HostRecord,
  JoinRequest,
  MembershipChange,
} from "./src/broker.ts";
export { connect } from "./src/connect.ts";
export type { ConnectOptions } from "./src/connect.ts";
export {
  ClosedError,
  FrameError,
  MemoryLimitError,
  NoHandlerError,
  QueueFullError,
  RemoteError,
  SwitchboardError,
  TimeoutError,
  UnreachableError,
  ValidationError,
} from "./src/errors.ts";
export type { SwitchboardErrorOptions } from "./src/errors.ts";
export { Peer } from "./src/peer.ts";
export type { LabelOutputOptions } from "./src/output_labels.ts";
export type { Permissions } from "./src/permissions.ts";
export { DEFAULT_RESTART } from "./src/restart_policy.ts";
export type { RestartOptions } from "./src/restart_policy.ts";
export type {
  CarriedSchemaProtocol,
  SchemaProtocol,
  Schemas,
  SchemasFor,
  StandardSchemaV1,
  ValidationIssue,
} from "./src/schema.ts";
export type { LendingResult } from "./src/peer.ts";
export type { LifecycleEvent } from "./src/lifecycle_event.ts";
export type { AnyMessage, Handler, Listener, Message } from "./src/listener_types.ts";
export type { ProcessHandle } from "./src/process_handle.ts";
export type { ActionOf, Protocol, RequestActionOf, ResponseOf } from "./src/protocol.ts";
export type { RequestAllOptions, RequestOptions, Settled } from "./src/request_types.ts";
export type {
  ChildState,
  ChildStats,
  ClusterStats,
  ConnectionStats,
  PeerStats,
} from "./src/stats.ts";
