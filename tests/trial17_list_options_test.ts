/**
 * Trial 17: README, `Cluster.start()` options: `flags` and `args` are lists
 * ("more `deno run` flags, and `Deno.args`"). One written as a string, which
 * `deno run` does not type-check, was spread into its characters: with
 * `args: "--port=8080"` every worker started with `Deno.args` of eleven
 * one-character strings, unnoticed; with `flags: "--quiet"` each child ran
 * `deno run - - q u i e t …`, read its script from stdin, and the start
 * failed only at `startTimeout`, asking whether the worker called
 * `connect()`.
 */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions } from "../mod.ts";
import { SERVICE, WORKER } from "./helpers.ts";

async function refusal(options: ClusterOptions): Promise<Error> {
  let cluster: Cluster;
  try {
    cluster = await Cluster.start({ worker: WORKER, workers: 1, startTimeout: 5_000, ...options });
  } catch (error) {
    return error as Error;
  }
  await cluster.stop();
  assert.fail(`Cluster.start(${JSON.stringify(options)}) started`);
}

for (
  const [name, options, option] of [
    ["args", { args: "--port=8080" as unknown as string[] }, "args"],
    ["flags", { flags: "--quiet" as unknown as string[] }, "flags"],
    [
      "a service's args",
      { processes: { logger: { module: SERVICE, args: "--verbose" as unknown as string[] } } },
      "args",
    ],
  ] as const
) {
  Deno.test(`Cluster.start() refuses ${name} given as a string, not a list`, async () => {
    const error = await refusal(options);
    assert.ok(error instanceof TypeError, `${error.name}: ${error.message}`);
    assert.match(error.message, new RegExp(`"${option}"`));
  });
}
