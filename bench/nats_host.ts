/**
 * The far host of the across-hosts bench: a cluster of one worker (the
 * bench's Switchboard worker) joined through NATS, whose manager answers
 * the bench's protocol too. Prints `ready <worker id>`, and stops when its
 * stdin closes.
 *
 * `deno run --allow-run --allow-read=/tmp --allow-write=/tmp --allow-net bench/nats_host.ts <cluster>`
 *
 * @module
 */

import { Cluster } from "../mod.ts";
import { natsBroker } from "../nats.ts";
import type { BenchProtocol } from "./protocol.ts";

const cluster = await Cluster.start<BenchProtocol>({
  worker: new URL("./switchboard_worker.ts", import.meta.url),
  workers: 1,
  broker: natsBroker({ servers: "127.0.0.1:4222", cluster: Deno.args[0], host: "b" }),
});
let received = 0;
cluster.handle("echoRequest", (payload) => payload);
cluster.on("flood", () => received++);
cluster.handle("drainRequest", () => {
  const count = received;
  received = 0;
  return count;
});
const [worker] = cluster.stats().children.map((child) => child.address);
console.log(`ready ${worker}`);
for await (const _ of Deno.stdin.readable);
await cluster.stop();
