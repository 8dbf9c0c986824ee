/**
 * Scenario 5: gather, one request to every worker, a settled result each.
 * imi counts connections across workers this way. Run:
 * `deno run --allow-run --allow-read=/tmp --allow-write=/tmp --allow-net examples/gather.ts`
 *
 * @module
 */

import { Cluster } from "../mod.ts";
import type { Protocol } from "./protocol.ts";

export async function main(): Promise<void> {
  await using cluster = await Cluster.start<Protocol>({
    worker: new URL("./worker.ts", import.meta.url),
    workers: 3,
  });

  const results = await cluster.requestAll("statsRequest", undefined, { timeout: 5_000 });
  let connections = 0;
  for (const result of results) {
    if ("data" in result) connections += result.data.connections;
    else console.log(`worker ${result.from} failed:`, result.error.message);
  }
  console.log(`${connections} connections across ${results.length} workers`);

  // A target that is not there fails alone.
  const partial = await cluster.requestAll("statsRequest", undefined, {
    to: [0, 7],
    timeout: 5_000,
  });
  console.log(partial.map((r) => ("data" in r ? `${r.from}: ok` : `${r.from}: ${r.error.name}`)));
}

if (import.meta.main) await main();
