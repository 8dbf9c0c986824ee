/**
 * How `Cluster.start()` starts a manager, from the configuration its
 * options give (`manager_config.ts`): on one host, over Unix sockets;
 * across hosts, joined through a broker first. Loaded only by a manager,
 * when it starts.
 *
 * @module
 */

import { EarlySignals } from "./early_signals.ts";
import { managerOf } from "./address.ts";
import type { Broker, BrokerLink, HostRecord, MembershipChange } from "./broker.ts";
import type { ClusterOptions } from "./cluster_options.ts";
import { GatewayHost } from "./gateway_host.ts";
import { Layout } from "./layout.ts";
import { Manager, type ManagerConfig } from "./manager.ts";
import { checkNamesCross, managerConfig } from "./manager_config.ts";
import { checkModules } from "./module_check.ts";
import { checkMemoryReadable } from "./resident_memory.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";
import { UnixHost } from "./unix/host.ts";
import { MAX_RELAY_HEAD } from "./unix/relay.ts";

/** A started manager, and the socket directory of its host. */
export interface Started {
  manager: Manager;
  host: UnixHost;
  /** In a cluster that spans hosts: every host, as the broker knows them now. */
  hosts?: () => HostRecord[];
}

/**
 * Starts the manager the options describe, and its children.
 *
 * @throws {TypeError} When an option is invalid.
 * @throws {Deno.errors.NotCapable} When `maxMemory` is given and the
 * manager may not read `/proc` (see `resident_memory.ts`).
 */
export async function startManager(options: ClusterOptions): Promise<Started> {
  const config = managerConfig(options);
  checkModules(config.children);
  // Its first check would fail a second after the start: it fails the start instead.
  if ([...config.children.values()].some((spec) => spec.maxMemory !== undefined)) {
    checkMemoryReadable();
  }
  // Heard before the manager listens (joining a broker takes a while): kept for it.
  const early = config.signals ? new EarlySignals() : undefined;
  try {
    if (options.broker) return await startOnBroker(options, options.broker, config, early);
    return await startHere(options, config, early);
  } finally {
    early?.end();
  }
}

/** Starts a cluster on this host alone: its processes meet over Unix sockets. */
async function startHere(
  options: ClusterOptions,
  config: ManagerConfig,
  signals: EarlySignals | undefined,
): Promise<Started> {
  const host = await UnixHost.create({
    workers: config.layout.workerIds,
    services: config.layout.services,
  });
  const manager = await Manager.start(config, host, signals);
  if (options.ready !== false) manager.readySoon();
  return { manager, host };
}

/**
 * Starts this host's part of a cluster that spans hosts: it joins through
 * the broker (which gives its workers their ids), and its manager becomes
 * the host's gateway to the others.
 */
async function startOnBroker(
  options: ClusterOptions,
  broker: Broker,
  local: ManagerConfig,
  signals: EarlySignals | undefined,
): Promise<Started> {
  checkNamesCross(local.layout.services);
  let report = (error: Error) => console.error(error);
  const link = await broker.join({
    workers: local.layout.workers,
    services: local.layout.services,
    maxQueuedBytes: local.maxQueuedBytes,
    report: (error) => report(error),
  });
  // Hosts may come and go while this one starts: heard now, acted on once it has started.
  const early: MembershipChange[] = [];
  let changed: (change: MembershipChange) => void = (change) => early.push(change);
  link.onChange((change) => changed(change));
  let unix: UnixHost;
  try {
    unix = await UnixHost.create({
      workers: link.self.workers,
      services: link.self.services,
      gateway: gatewayLimit(link, local.maxFrameSize),
    });
  } catch (error) {
    await link.close();
    throw error;
  }
  const hosts = () =>
    link.hosts()
      .map(({ host, workers, services }) => ({
        host,
        workers: [...workers],
        services: [...services],
      }))
      // By name; names are unique.
      .sort((x, y) => x.host < y.host ? -1 : 1);
  const config: ManagerConfig = {
    ...managerConfig(options, link.self.workers),
    layout: clusterLayout(link),
    hostOf: (address) => link.hostOf(address),
    hosts,
  };
  const manager = await Manager.start(
    config,
    new GatewayHost(unix, link, config.maxQueuedBytes),
    signals,
  );
  report = (error) => manager.router.listeners.report(error);
  // The hosts that came or went meanwhile are known at once; their events
  // are told once the code that awaited the start has added its listeners,
  // in order with those that come until then. Told at once, they came before
  // them: the manager heard "hostLeft" of a host whose "hostJoined" it had
  // not heard. A timer, not nextTask(): a MessageChannel's message may come
  // in the turn of the socket read that resolved the start, ahead of a caller
  // whose await chain is long (a deadline around Cluster.start()).
  if (early.length > 0) manager.router.layout = clusterLayout(link);
  setTimeout(() => {
    changed = (change) =>
      manager.membersChanged(clusterLayout(link), hostEvent(change), change.process);
    early.splice(0).forEach(changed);
  }, 0);
  // What either host's children went through while one was cut off, told once it is back.
  link.onBack?.((host) => manager.backFrom(managerOf(host)));
  // What another host never had of this host's, though no connection dropped.
  link.onMissed?.((host) => manager.missedBy(managerOf(host)));
  if (options.ready !== false) manager.readySoon();
  return { manager, host: unix, hosts };
}

/** The cluster's processes, on every host, as the broker's membership says. */
function clusterLayout(link: BrokerLink): Layout {
  const hosts = link.hosts();
  return new Layout(
    hosts.flatMap((host) => host.workers),
    hosts.flatMap((host) => host.services),
    hosts.filter((host) => host.host !== link.self.host).map((host) => managerOf(host.host)),
    managerOf(link.self.host),
  );
}

/** A host joining or leaving, as a lifecycle event. */
function hostEvent(change: MembershipChange): LifecycleEvent {
  const { host, workers, services } = change.host;
  return change.type === "joined"
    ? { type: "hostJoined", address: managerOf(host), host, workers, services }
    : { type: "hostLeft", address: managerOf(host), host };
}

/**
 * The most a child may send to another host, and what sets it, for the
 * error that refuses more: the link's limit, or the frame that carries the
 * message to the manager, a FORWARD relay frame, whose head must fit too.
 */
function gatewayLimit(
  link: BrokerLink,
  maxFrameSize: number,
): { maxPayload: number; limit: string } {
  const inFrame = maxFrameSize - MAX_RELAY_HEAD;
  return link.maxPayload <= inFrame
    ? { maxPayload: link.maxPayload, limit: link.limitName }
    : { maxPayload: inFrame, limit: "maxFrameSize, less the relay head" };
}
