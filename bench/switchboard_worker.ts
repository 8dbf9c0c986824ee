/**
 * The Switchboard bench worker: echoes, counts floods, reports its heap, and
 * on the manager's order runs the shared loops against another worker
 * (worker → worker) and answers with the measurement.
 *
 * @module
 */

import { connect } from "../mod.ts";
import { type Channel, measureRoundTrips, measureStream } from "./channel.ts";
import { type BenchProtocol, heapAfterGc } from "./protocol.ts";
import { peerChannel, peerGroupChannel } from "./switchboard_channel.ts";

const peer = await connect<BenchProtocol>();
let received = 0;

peer.handle("echoRequest", (payload) => payload);
peer.on("flood", () => {
  received++;
});
peer.on("bytes", () => {
  received++;
});
peer.handle("drainRequest", () => {
  const count = received;
  received = 0;
  return count;
});
peer.handle("heapRequest", () => heapAfterGc());
peer.handle("workRequest", ({ ms }) => {
  // CPU-bound work: while it runs, this worker serves nobody else.
  const until = performance.now() + ms;
  while (performance.now() < until);
  return peer.workerId!;
});
peer.handle(
  "roundTripsRequest",
  async ({ to, count, payload }) =>
    Array.from(await measureRoundTrips(channelTo(to), count, payload)),
);
peer.handle(
  "streamRequest",
  ({ to, count, payload }) => measureStream(channelTo(to), count, payload),
);

function channelTo(to: number[]): Channel {
  return to.length === 1 ? peerChannel(peer, to[0]) : peerGroupChannel(peer, to);
}
