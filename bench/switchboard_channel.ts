/**
 * A {@linkcode Channel} over a Switchboard peer, used the same way from the
 * manager and from inside a worker: `request` for round trips,
 * `sendMessage` for one-way messages; to a group, `requestAll` and one
 * `sendMessage` with a list of targets (encoded once).
 *
 * @module
 */

import type { Address, Peer, Settled } from "../mod.ts";
import type { Channel } from "./channel.ts";
import type { BenchProtocol } from "./protocol.ts";

/** A channel from `peer` to one process (a worker, or another host's manager). */
export function peerChannel(peer: Peer<BenchProtocol>, to: Address): Channel {
  return {
    targets: 1,
    ask: (payload) => peer.request("echoRequest", payload, { to }),
    post(payload) {
      peer.sendMessage("flood", payload, to);
    },
    drain: () => peer.request("drainRequest", undefined, { to }),
  };
}

/** A channel from `peer` to a group of workers, addressed at once. */
export function peerGroupChannel(peer: Peer<BenchProtocol>, to: number[]): Channel {
  return {
    targets: to.length,
    async ask(payload) {
      return answers(await peer.requestAll("echoRequest", payload, { to }));
    },
    post(payload) {
      peer.sendMessage("flood", payload, to);
    },
    async drain() {
      const counts = answers(await peer.requestAll("drainRequest", undefined, { to }));
      return counts.reduce((sum, count) => sum + count, 0);
    },
  };
}

/** The data of every settled result, or the first error. */
function answers<T>(results: Settled<T>[]): T[] {
  return results.map((result) => {
    if ("error" in result) throw result.error;
    return result.data;
  });
}
