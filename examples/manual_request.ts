/**
 * Scenario 3: request/response by hand, with nothing but sendMessage and on:
 * the requester puts a messageId in the data, the responder echoes it in
 * "testResponse". Run:
 * `deno run --allow-run --allow-read=/tmp --allow-write=/tmp --allow-net examples/manual_request.ts`
 *
 * @module
 */

import { Cluster } from "../mod.ts";
import { collect } from "./_collect.ts";
import type { Protocol } from "./protocol.ts";

export async function main(): Promise<void> {
  await using cluster = await Cluster.start<Protocol>({
    worker: new URL("./worker.ts", import.meta.url),
    workers: 2,
  });

  // Worker 0 asks worker 1 by hand (see "askByHand" in worker.ts).
  const answered = collect(cluster, "answeredByHand", 1);
  cluster.sendMessage("askByHand", { to: 1 }, 0);
  const [{ worker, response }] = await answered;
  console.log(
    `worker ${worker} got its answer from worker ${response.worker}:`,
    response.messageId,
  );

  // The manager does the same.
  const messageId = crypto.randomUUID();
  const responses = collect(cluster, "testResponse", 1);
  cluster.sendMessage("testRequest", { messageId, time: Date.now() }, 1);
  const [mine] = await responses;
  console.log("the manager's answer matches:", mine.messageId === messageId);
}

if (import.meta.main) await main();
