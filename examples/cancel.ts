/**
 * Scenario 9: cancellation reaches the handler. The manager asks a worker
 * to count, gives up after 100 ms (its `signal`), and again with a 100 ms
 * `timeout`; each time the worker's `msg.signal` aborts and it stops.
 * Run: `deno run --allow-run --allow-read=/tmp --allow-write=/tmp --allow-net examples/cancel.ts`
 *
 * @module
 */

import { Cluster } from "../mod.ts";
import type { Protocol } from "./protocol.ts";

export async function main(): Promise<void> {
  await using cluster = await Cluster.start<Protocol>({
    worker: new URL("./worker.ts", import.meta.url),
    workers: 1,
  });
  const counted = () =>
    new Promise<Protocol["counted"]>((resolve) => {
      const off = cluster.on("counted", (data) => (off(), resolve(data)));
    });

  let stopped = counted();
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("no longer needed")), 100);
  await cluster.request("countRequest", undefined, { to: 0, signal: controller.signal })
    .catch((error: Error) => console.log(`request aborted: ${error.message}`));
  let report = await stopped;
  console.log(`worker ${report.worker} stopped at ${report.count}: ${report.reason}`);

  stopped = counted();
  await cluster.request("countRequest", undefined, { to: 0, timeout: 100 })
    .catch((error: Error) => console.log(`request: ${error.message}`));
  report = await stopped;
  console.log(`worker ${report.worker} stopped at ${report.count}: ${report.reason}`);
}

if (import.meta.main) await main();
