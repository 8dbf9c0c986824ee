/**
 * Trial 17: README, Permissions: "Each child runs … with read, write and
 * net access to the cluster's socket paths only, plus what `permissions`
 * grants". A grant written as a string rather than a list (`read: "/srv"`,
 * which `deno run` does not type-check) was spread into its characters,
 * one of which is "/": the children could read the whole file system. A
 * misspelt kind (`reed`) was ignored, leaving the grant out unnoticed,
 * where README says Cluster.start() refuses an option name it does not know.
 */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions } from "../mod.ts";
import { SERVICE, WORKER } from "./helpers.ts";

/** Starts a cluster that should be refused; if it starts, says what its worker could read. */
async function refusal(options: ClusterOptions): Promise<Error> {
  let cluster: Cluster;
  try {
    cluster = await Cluster.start({ worker: WORKER, workers: 1, ...options });
  } catch (error) {
    return error as Error;
  }
  const read = await cluster.request("readFileRequest", { path: "/etc/hostname" }, { to: 0 })
    .then(() => "it read /etc/hostname", (error: Error) => `${error.name}: ${error.message}`);
  await cluster.stop();
  assert.fail(`Cluster.start(${JSON.stringify(options)}) started; ${read}`);
}

Deno.test("Cluster.start() refuses a permission grant that is a string, not a list", async () => {
  const error = await refusal({ permissions: { read: "/tmp" as unknown as string[] } });
  assert.ok(error instanceof TypeError, `${error.name}: ${error.message}`);
  assert.match(error.message, /"read"/);
});

Deno.test("Cluster.start() refuses a service's permission grant that is a string", async () => {
  const error = await refusal({
    processes: { logger: { module: SERVICE, permissions: { env: "HOME" as unknown as string[] } } },
  });
  assert.ok(error instanceof TypeError, `${error.name}: ${error.message}`);
  assert.match(error.message, /logger.*"env"|"env".*logger/);
});

Deno.test("Cluster.start() refuses a permission kind it does not know", async () => {
  const error = await refusal({ permissions: { reed: ["/tmp"] } as ClusterOptions["permissions"] });
  assert.ok(error instanceof TypeError, `${error.name}: ${error.message}`);
  assert.match(error.message, /"reed".*"read"/);
});
