/**
 * Scenario 8: work for whichever worker is free. One long request keeps a
 * worker busy; the short ones sent `to: ANY` meanwhile go to the others.
 * Run: `deno run --allow-run --allow-read=/tmp --allow-write=/tmp --allow-net examples/any_worker.ts`
 *
 * @module
 */

import { ANY, Cluster } from "../mod.ts";
import type { Protocol } from "./protocol.ts";

export async function main(): Promise<void> {
  await using cluster = await Cluster.start<Protocol>({
    worker: new URL("./worker.ts", import.meta.url),
    workers: 3,
  });
  // A long nap: its worker has a request open until it answers.
  const long = cluster.request("napRequest", { ms: 300 }, { to: ANY });
  const short: number[] = [];
  for (let n = 0; n < 4; n++) {
    const { worker } = await cluster.request("echoRequest", { text: `job ${n}` }, { to: ANY });
    short.push(worker);
  }
  await long;
  console.log(`one long request open; the short ones went to workers ${short.join(", ")}`);
}

if (import.meta.main) await main();
