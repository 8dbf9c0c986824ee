/**
 * A child slot: one child address of the supervisor, across the processes
 * that held it. It says how to start the child, where its current process
 * stands, and, when that process is late to become ready, why.
 *
 * @module
 */

import { type Address, describe, outputLabel } from "./address.ts";
import type { ChildPlace } from "./child_environment.ts";
import type { ChildLabel, OutputLabels } from "./output_labels.ts";
import type { Permissions } from "./permissions.ts";
import { RestartBudget, type RestartPolicy } from "./restart_policy.ts";
import type { SpawnedChild } from "./spawn.ts";
import type { ChildState } from "./stats.ts";

/** How to start one child: a Deno module, or an executable in another language. */
export type ChildSpec = DenoChildSpec | ForeignChildSpec;

/**
 * A child that runs a Deno module, in Deno's sandbox; its `env` and `cwd`,
 * the cluster's with a service's own over them.
 */
export interface DenoChildSpec extends ChildPlace {
  /** The module to run. */
  module: string | URL;
  /** What to grant on top of what its transport needs. */
  permissions: Permissions;
  /** More `deno run` flags. */
  flags: readonly string[];
  /** Its `Deno.args`. */
  args: readonly string[];
  /** What each line it prints gets in front, its address and more (see `labelOutput`); `false`: nothing. */
  labelOutput: OutputLabels | false;
  /** How long it has to answer the watchdog, in ms; not watched when left out. */
  hangTimeout?: number;
  /** The most memory it may hold, in bytes of RSS, before it is replaced; none when left out. */
  maxMemory?: number;
  /** Its own restart policy (`null`: it is never restarted); the cluster's when left out. */
  restart?: RestartPolicy | null;
  /** How long it may take for each phase of its stop, in ms; the cluster's when left out. */
  stopTimeout?: number;
  /** Whether its being given up stops the cluster; the cluster's `escalate` when left out. */
  escalate?: boolean;
}

/** A child in another language: its argv, run as given (in its `cwd`), outside any sandbox. */
export interface ForeignChildSpec extends ChildPlace {
  /** The executable, then its arguments. */
  command: readonly string[];
  /** What each line it prints gets in front, its address and more (see `labelOutput`); `false`: nothing. */
  labelOutput: OutputLabels | false;
  /** How long it has to answer the watchdog, in ms; not watched when left out. */
  hangTimeout?: number;
  /** The most memory it may hold, in bytes of RSS, before it is replaced; none when left out. */
  maxMemory?: number;
  /** Its own restart policy (`null`: it is never restarted); the cluster's when left out. */
  restart?: RestartPolicy | null;
  /** How long it may take for each phase of its stop, in ms; the cluster's when left out. */
  stopTimeout?: number;
  /** Whether its being given up stops the cluster; the cluster's `escalate` when left out. */
  escalate?: boolean;
}

/** One child address, across the processes that held it. */
export interface Slot {
  address: Address;
  spec: ChildSpec;
  state: ChildState;
  /** The process now running it, if any. */
  process: SpawnedChild | undefined;
  restarts: number;
  budget: RestartBudget | undefined;
  /** The timer of a restart waiting out its back-off (a `Clock`'s handle). */
  backoff: unknown;
  /** Kills a restarted process that is not ready within `startTimeout`. */
  readyTimer: unknown;
  /** Settles when the current process is ready, or exits before. */
  ready: PromiseWithResolvers<void>;
  /** Settles when the current process has done its stop work, or exited. */
  stopped: PromiseWithResolvers<void>;
  /** Whether the current process was asked to go: its exit is no failure. */
  leaving: boolean;
  /** Whether the current process sent `$ready` and was given the go-ahead. */
  wentAhead: boolean;
  wasReady: boolean;
  /** When the current process was ready (on the supervisor's clock): how long a clean exit ran. */
  readyAt: number;
  /**
   * The last error reported about the current process before it was ready
   * (a connection refused, a bad frame): why it may fail to start, told
   * with the error that says it did.
   */
  trouble: Error | undefined;
  /**
   * Whether its code was reloaded and has not been ready since: given up
   * then, the new code is at fault, not the cluster, which runs on.
   */
  newCodeUnproven: boolean;
  /** Whether the current process said `$stopped` since it was asked to stop. */
  saidStopped: boolean;
  /** Whether the watchdog killed the current process: it did not answer, its loop blocked. */
  hung: boolean;
}

/**
 * The slot of a child about to start for the first time, with no process yet.
 *
 * @param restart The cluster's restart policy, unless the child has its own.
 */
export function newSlot(address: Address, spec: ChildSpec, restart: RestartPolicy | null): Slot {
  const policy = restartOf(spec, restart);
  return {
    address,
    spec,
    state: "starting",
    process: undefined,
    restarts: 0,
    budget: policy ? new RestartBudget(policy) : undefined,
    backoff: undefined,
    readyTimer: undefined,
    ready: Promise.withResolvers<void>(),
    stopped: Promise.withResolvers<void>(),
    leaving: false,
    wentAhead: false,
    wasReady: false,
    readyAt: 0,
    trouble: undefined,
    newCodeUnproven: false,
    saidStopped: false,
    hung: false,
  };
}

/** A child's restart policy: its own (a service's `restart`), else the cluster's. */
export function restartOf(spec: ChildSpec, cluster: RestartPolicy | null): RestartPolicy | null {
  return spec.restart === undefined ? cluster : spec.restart;
}

/** How long a child may take for each phase of its stop, in ms: its own, else the cluster's. */
export function stopTimeoutOf(spec: ChildSpec, cluster: number): number {
  return spec.stopTimeout ?? cluster;
}

/** The label of a child's output lines, when they get one. */
export function labelOf(child: Slot): ChildLabel | undefined {
  const labels = child.spec.labelOutput;
  return labels ? { name: outputLabel(child.address), ...labels } : undefined;
}

/** Whether a child is connected now: to say why it is late. */
export interface Connections {
  /** Whether the child at `address` is connected now. */
  isConnected(address: Address): boolean;
}

/** Why a child is not ready yet, for the error that says start-up took too long. */
export function whyLate(child: Slot, connections: Connections): string {
  return whyLateAlone(child, connections) + troubleOf(child);
}

function whyLateAlone(child: Slot, connections: Connections): string {
  const name = describe(child.address);
  // Ready once as the start waited, then stopped alone (a SIGTERM to it).
  if (child.wasReady && !child.process) return `${name} was waiting to be restarted`;
  if (child.wasReady && child.leaving) return `${name} was stopping alone, to be restarted`;
  if (child.wentAhead) {
    return `${name} had the go-ahead but never sent $running (see README "Protocol")`;
  }
  if (connections.isConnected(child.address)) {
    return `${name} connected but did not become ready (did it call ready()? A process in ` +
      `another language sends $ready)`;
  }
  return `${name} did not connect (${joinHint(child.spec)})`;
}

/**
 * What to ask of a child that never joined: a module calls `connect()`; a
 * command's program does not have it, and joins by speaking the protocol.
 */
export function joinHint(spec: ChildSpec): string {
  return "command" in spec
    ? 'its program must speak the protocol: see README "Processes in other languages"'
    : "did it call connect()?";
}

/** What was reported about a child before it was ready, to add to the error that says it was not. */
export function troubleOf(child: Slot): string {
  return child.trouble === undefined ? "" : `, after: ${child.trouble.message}`;
}
