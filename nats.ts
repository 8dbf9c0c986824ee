/**
 * Switchboard across hosts, over NATS: one cluster whose processes run on
 * several machines, with the same API as on one. Local traffic stays on
 * each host's Unix sockets; only what crosses hosts goes through NATS, via
 * each host's manager. Import it only where you need it: it brings the NATS
 * client (`npm:@nats-io/transport-node`); the core needs nothing.
 *
 * @example Run the same code on every host
 * ```ts
 * import { Cluster } from "@switchboard/switchboard";
 * import { natsBroker } from "@switchboard/switchboard/nats";
 *
 * export async function serve(): Promise<void> {
 *   const cluster = await Cluster.start({
 *     worker: new URL("./worker.ts", import.meta.url),
 *     workers: 4,
 *     broker: natsBroker({ servers: "10.0.0.5:4222", cluster: "shop" }),
 *   });
 *   cluster.sendMessage("hello", {}); // every worker of every host
 *   await cluster.closed;
 * }
 * ```
 *
 * @module
 */

export { natsBroker } from "./src/nats/broker.ts";
export type { NatsBrokerOptions, NatsConnectionOptions } from "./src/nats/broker.ts";
