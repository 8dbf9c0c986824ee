/**
 * What every contender offers the scenarios, and how a contender built on
 * a {@linkcode Channel} (raw, Switchboard from the manager) provides it
 * with the shared loops.
 *
 * @module
 */

import { type Channel, measureRoundTrips, measureStream } from "./channel.ts";
import type { Payload } from "./payload.ts";

/** The contenders' names: the columns of the results, in order. */
export const RAW = "raw";
export const NODE_JSON = "node-ipc json";
export const NODE_ADVANCED = "node-ipc advanced";
export const MANAGER_TO_WORKER = "switchboard m→w";
export const WORKER_TO_WORKER = "switchboard w→w";
export const CONTENDERS = [RAW, NODE_JSON, NODE_ADVANCED, MANAGER_TO_WORKER, WORKER_TO_WORKER];

/** One way of moving messages between processes, as the scenarios drive it. */
export interface Contender {
  /** Its column in the results. */
  readonly name: string;
  /** Scenario 1: round trips to one receiver, one in flight; each one's µs. */
  roundTrips(count: number, payload: Payload): Promise<Float64Array>;
  /** Scenarios 2 and 3: seconds to deliver `count` pipelined one-way messages. */
  stream(count: number, payload: Payload): Promise<number>;
  /** Scenario 4: seconds to deliver `count` messages to each of `receivers`. */
  fanOut?(receivers: number, count: number, payload: Payload): Promise<number>;
  /** Scenario 5: µs of each ask of `receivers` at once, until every answer is in. */
  gather?(receivers: number, count: number, payload: Payload): Promise<Float64Array>;
}

/**
 * Opens a channel to receivers `0` to `receivers - 1`: a plain one-to-one
 * channel, or, with `group`, one that addresses them as a group (broadcast,
 * gather), even when there is only one.
 */
export type OpenChannel = (receivers: number, group: boolean) => Channel;

/** A contender whose every scenario runs the shared loops over its channels. */
export function channelContender(name: string, open: OpenChannel): Contender {
  return {
    name,
    roundTrips: (count, payload) => measureRoundTrips(open(1, false), count, payload),
    stream: (count, payload) => measureStream(open(1, false), count, payload),
    fanOut: (receivers, count, payload) => measureStream(open(receivers, true), count, payload),
    gather: (receivers, count, payload) => measureRoundTrips(open(receivers, true), count, payload),
  };
}
