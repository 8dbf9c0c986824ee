/**
 * Scenario 1: broadcast and targeted messages, from the manager and from a
 * worker. Run: `deno run --allow-run --allow-read=/tmp --allow-write=/tmp --allow-net examples/broadcast.ts`
 *
 * @module
 */

import { Cluster } from "../mod.ts";
import { collect } from "./_collect.ts";
import type { Protocol } from "./protocol.ts";

export async function main(): Promise<void> {
  await using cluster = await Cluster.start<Protocol>({
    worker: new URL("./worker.ts", import.meta.url),
    workers: 3,
  });

  const show = async (what: string, sent: number, from = "the manager") => {
    const receipts = await collect(cluster, "received", sent);
    const workers = receipts.map((r) => r.worker).sort().join(", ");
    console.log(`${what}: handed to ${sent}, received by worker ${workers} (from ${from})`);
  };

  await show("to every worker", cluster.sendMessage("test", { time: Date.now() }));
  await show("to worker 1", cluster.sendMessage("test", { time: Date.now() }, 1));
  await show("to workers 0 and 2", cluster.sendMessage("test", { time: Date.now() }, [0, 2]));

  // Worker 0 broadcasts; as one of the targets it gets its own copy.
  cluster.sendMessage("broadcast", {}, 0);
  await show("to every worker", 3, "worker 0");
}

if (import.meta.main) await main();
