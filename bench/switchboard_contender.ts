/**
 * Switchboard as two contenders over one cluster: manager → worker 0, and
 * worker 0 → worker 1 (the manager orders worker 0 to run the loop and
 * report). Broadcast and gather go from the manager to workers `0…N-1`.
 *
 * @module
 */

import { Cluster } from "../mod.ts";
import {
  channelContender,
  type Contender,
  MANAGER_TO_WORKER,
  WORKER_TO_WORKER,
} from "./contender.ts";
import { type BenchProtocol, EXPOSE_GC } from "./protocol.ts";
import { peerChannel, peerGroupChannel } from "./switchboard_channel.ts";

const WORKER = new URL("./switchboard_worker.ts", import.meta.url);
/** How long a worker may take to run one ordered loop, in ms. */
const ORDER_TIMEOUT = 120_000;

/** The bench's cluster and its two contenders. */
export interface SwitchboardBench {
  /** The cluster; the memory scenario uses it directly. */
  cluster: Cluster<BenchProtocol>;
  /** Manager → worker 0; also broadcast and gather to workers. */
  managerToWorker: Contender;
  /** Worker 0 → worker 1, measured inside worker 0. */
  workerToWorker: Contender;
}

/** Starts a cluster of `workers` bench workers (at least 2). */
export async function startSwitchboard(workers: number): Promise<SwitchboardBench> {
  const cluster = await Cluster.start<BenchProtocol>({
    worker: WORKER,
    workers,
    flags: [EXPOSE_GC],
  });
  const workerIds = (count: number) => Array.from({ length: count }, (_, id) => id);
  return {
    cluster,
    managerToWorker: channelContender(
      MANAGER_TO_WORKER,
      (receivers, group) =>
        group ? peerGroupChannel(cluster, workerIds(receivers)) : peerChannel(cluster, 0),
    ),
    workerToWorker: {
      name: WORKER_TO_WORKER,
      roundTrips: async (count, payload) =>
        Float64Array.from(
          await cluster.request("roundTripsRequest", { to: [1], count, payload }, {
            to: 0,
            timeout: ORDER_TIMEOUT,
          }),
        ),
      stream: (count, payload) =>
        cluster.request("streamRequest", { to: [1], count, payload }, {
          to: 0,
          timeout: ORDER_TIMEOUT,
        }),
    },
  };
}
