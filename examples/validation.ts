/**
 * Scenario 12: validation, opt in. The manager and the workers check
 * `resizeRequest` against one schema (examples/schemas.ts): a good width
 * is answered, a negative one fails with ValidationError before it is
 * sent, naming the action, the target and the path.
 * Run: `deno run --allow-run --allow-read=/tmp --allow-write=/tmp --allow-net examples/validation.ts`
 *
 * @module
 */

import { Cluster, ValidationError } from "../mod.ts";
import type { Protocol } from "./protocol.ts";
import { schemas } from "./schemas.ts";

export async function main(): Promise<void> {
  await using cluster = await Cluster.start<Protocol>({
    worker: new URL("./worker.ts", import.meta.url),
    workers: 1,
    schemas,
  });
  const resized = await cluster.request("resizeRequest", { width: 640 }, { to: 0 });
  console.log(`worker ${resized.worker} resized to ${resized.width}`);
  await cluster.request("resizeRequest", { width: -1 }, { to: 0 }).catch((error: unknown) => {
    if (!(error instanceof ValidationError)) throw error;
    console.log(`refused: ${error.message}`);
  });
}

if (import.meta.main) await main();
