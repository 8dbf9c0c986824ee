/**
 * Scenario 10: an answer in parts. A worker yields the squares below 1000
 * as the manager takes them; the manager stops after the first ten, and the
 * worker's generator ends with it.
 * Run: `deno run --allow-run --allow-read=/tmp --allow-write=/tmp --allow-net examples/stream.ts`
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
  const all: number[] = [];
  for await (const square of cluster.requestStream("squaresRequest", { below: 1000 }, { to: 0 })) {
    all.push(square);
  }
  console.log(`${all.length} squares below 1000, the last ${all.at(-1)}`);
  const first: number[] = [];
  for await (const square of cluster.requestStream("squaresRequest", { below: 1e12 }, { to: 0 })) {
    first.push(square);
    if (first.length === 10) break; // the worker stops too
  }
  console.log(`the first ten of a million: ${first.join(", ")}`);
}

if (import.meta.main) await main();
