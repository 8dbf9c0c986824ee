/**
 * Scenario 2: a named service process, both ways. Run:
 * `deno run --allow-run --allow-read=/tmp --allow-write=/tmp --allow-net examples/services.ts`
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
    processes: { logger: new URL("./logger.ts", import.meta.url) },
  });

  const logger = cluster.getProcess("logger");
  console.log("handed over:", logger.send("log", { line: "cluster started" }));
  console.log(
    "to a service that does not exist:",
    cluster.getProcess("nobody").send("log", { line: "?" }),
  );

  // The logger answers on the connection the message came on: here, the manager's.
  const flushed = collect(cluster, "flushed", 1);
  logger.send("flush", { reason: "example" });
  console.log("the logger flushed:", (await flushed)[0].lines);
}

if (import.meta.main) await main();
