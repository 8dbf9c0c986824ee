/**
 * `connect()`: how a child process joins the cluster that started it.
 *
 * @module
 */

import type { Carried } from "./carried_types.ts";
import { readBootstrap } from "./bootstrap.ts";
import { ChildSide } from "./child.ts";
import { Peer } from "./peer.ts";
import {
  type CarriedSchemaProtocol,
  checkSchemas,
  type Schemas,
  type SchemasFor,
} from "./schema.ts";
import type { Protocol } from "./protocol.ts";
import { openUnixEndpoint } from "./unix/transport.ts";
import { checkBoolean, checkOptionNames, type OptionNames } from "./option_names.ts";

/**
 * Options of {@linkcode connect}.
 *
 * @example Become ready once an async setup is done
 * ```ts
 * import { connect, type ConnectOptions } from "@switchboard/switchboard";
 *
 * const options: ConnectOptions = { ready: false }; // messages are held until peer.ready()
 *
 * async function loadWords(): Promise<Set<string>> {
 *   return new Set(["apple", "pear"]); // from a database, say: slowly
 * }
 *
 * if (import.meta.main) {
 *   const peer = await connect(options);
 *   const words = await loadWords();
 *   peer.handle("checkRequest", (data) => words.has(String(data)));
 *   peer.ready(); // now Cluster.start() resolves, and held messages arrive
 * }
 * ```
 */
export interface ConnectOptions {
  /**
   * Whether to mark the process ready by itself, a tick after `connect()`
   * resolves (default `true`). Pass `false` when setup is asynchronous, and
   * call `peer.ready()` when it is done: messages are held until then, and
   * `Cluster.start()` waits for it.
   */
  ready?: boolean;
  /**
   * Schemas by action, in the Standard Schema form (Zod, Valibot,
   * ArkType, …): data this process sends or receives for an action with a
   * schema is checked, and fails with `ValidationError` (see README,
   * "Validation"). Give every process the same schemas, from one module.
   */
  schemas?: Schemas;
}

const CONNECT_OPTIONS = { ready: true, schemas: true } satisfies OptionNames<ConnectOptions>;

let joined: Promise<Peer<Protocol>> | undefined;

/**
 * Joins the cluster as {@linkcode connect} below does, the protocol
 * inferred from `schemas` ({@linkcode CarriedSchemaProtocol}) when no type
 * argument is given.
 *
 * @typeParam C The schemas, by action.
 * @typeParam S The cluster's service names (default: any string).
 * @param options The schemas, and whether to mark ready automatically.
 * @returns This process's peer, typed by its schemas.
 *
 * @example A worker whose protocol comes from its schemas
 * ```ts
 * import { connect, type StandardSchemaV1 } from "@switchboard/switchboard";
 *
 * const name: StandardSchemaV1<{ name: string }> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) => ({ value: value as { name: string } }),
 *   },
 * };
 *
 * if (import.meta.main) {
 *   const peer = await connect({ schemas: { greet: name } });
 *   peer.on("greet", (data) => console.log(`Hello, ${data.name}`));
 * }
 * ```
 */
export function connect<const C extends Schemas, S extends string = string>(
  options: ConnectOptions & { schemas: C },
): Promise<
  // Each `C`'s protocol is carried (CarriedSchemaProtocol); the check says so to TypeScript.
  // Schemas not known yet (a generic `C`) give an untyped cluster, not nothing.
  [CarriedSchemaProtocol<C>] extends [infer P extends Carried<P>] ? Peer<P, S> : Peer<Protocol, S>
>;
/**
 * Joins the cluster that started this process and returns its peer. Call it
 * in a worker or service module; the process is a member until the cluster
 * stops (then it exits) or the manager disappears (then it exits with
 * code 1). Register listeners right after `await connect()`: messages that
 * arrive before the process is ready are held for them. A second call
 * returns the same peer (its options are not used: the first call's were).
 *
 * The process's stdin carries the cluster's bootstrap, so it is not
 * available for other use.
 *
 * @typeParam P The protocol: a map from action to data type; without a
 * type argument, inferred from `schemas` when they are given
 * ({@linkcode SchemaProtocol}).
 * @typeParam S The cluster's service names, when the child wants them
 * checked (`connect<P, "logger" | "metrics">()`; default: any string).
 * @param options Whether to mark ready automatically.
 * @returns This process's peer: `id`, `workerId`, and the messaging API.
 * @throws {TypeError} When an option has a name no option has, or `ready`
 * is not a boolean.
 * @throws {Error} When the process was not started by `Cluster.start()`, or
 * cannot reach the manager.
 *
 * @example A worker that answers requests
 * ```ts
 * // worker.ts, started by Cluster.start({ worker: "./worker.ts" })
 * import { connect } from "@switchboard/switchboard";
 *
 * type Protocol = { testRequest: { time: number }; testResponse: { time: number; worker: number } };
 *
 * if (import.meta.main) {
 *   const peer = await connect<Protocol>();
 *   peer.handle("testRequest", (data) => ({ time: data.time, worker: peer.workerId! }));
 * }
 * ```
 */
export function connect<P extends Carried<P> = Protocol, S extends string = string>(
  options?: Omit<ConnectOptions, "schemas"> & { schemas?: SchemasFor<P> },
): Promise<Peer<P, S>>;
export function connect<P extends Carried<P> = Protocol, S extends string = string>(
  options?: Omit<ConnectOptions, "schemas"> & { schemas?: SchemasFor<P> },
): Promise<Peer<P, S>> {
  // Checked before the first call is kept: a misspelt option fails that
  // call alone, and one put right may join.
  let schemas: Schemas | undefined;
  try {
    checkOptionNames(options ?? {}, CONNECT_OPTIONS, "connect()");
    // "no" or 0, from a config, would say ready before the setup is done.
    checkBoolean(options?.ready, "ready", "connect()");
    schemas = checkSchemas(options?.schemas, "connect()");
  } catch (error) {
    return Promise.reject(error);
  }
  joined ??= join({ ready: options?.ready, schemas });
  return joined as unknown as Promise<Peer<P, S>>;
}

async function join(options: ConnectOptions): Promise<Peer<Protocol>> {
  const bootstrap = await readBootstrap();
  // What the endpoint reports goes to the console until the peer has listeners.
  let report = (error: Error) => console.error(error);
  const endpoint = await openUnixEndpoint(bootstrap.transport, bootstrap.self, {
    maxPayload: bootstrap.maxFrameSize,
    report: (error) => report(error),
  });
  const child = new ChildSide(bootstrap, endpoint, options.schemas);
  report = (error) => child.router.listeners.report(error);
  const peer = new Peer<Protocol>(child.router, () => child.leave());
  // The manager is told at once (what it sends next arrives in a later
  // task); messages held since joining are dispatched in the next task,
  // after the caller's code following `await connect()`.
  if (options.ready !== false) peer.ready();
  return peer;
}
