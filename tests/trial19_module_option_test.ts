/**
 * README (Errors and limits): invalid arguments throw `TypeError`, and an
 * option given null (from a JSON config) is as good as not given. The
 * `worker` option and a service's module did not hold to it: a number was
 * looked up on disk as a file named "5", and `""` or `null` failed with
 * Deno's bare `Error` "Empty path is not allowed" (trial 19).
 */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions } from "../mod.ts";
import { WORKER } from "./helpers.ts";

/** Starts a cluster that must be refused, and returns why. */
async function refusal(options: Record<string, unknown>): Promise<unknown> {
  try {
    const cluster = await Cluster.start(options as ClusterOptions);
    await cluster.stop();
  } catch (error) {
    return error;
  }
  assert.fail(`Cluster.start(${Deno.inspect(options)}) was not refused`);
}

Deno.test("Cluster.start() refuses a worker module that is not a path or URL with a TypeError", async () => {
  for (const [worker, shown] of [[5, "5"], [{}, "[object Object]"], ["", '""']]) {
    const error = await refusal({ worker, workers: 1 });
    assert.ok(error instanceof TypeError, `worker ${shown}: got ${error}`);
    assert.equal(
      error.message,
      `Cluster.start() has an invalid "worker": a path or URL to the worker module, got ${shown}`,
    );
  }
});

Deno.test("Cluster.start() takes worker: null as not given", async () => {
  const error = await refusal({ worker: null, workers: 2 });
  assert.ok(error instanceof TypeError, `got ${error}`);
  assert.equal(error.message, 'Cluster.start() needs a "worker" module for 2 workers');
});

Deno.test("Cluster.start() refuses a service whose module is an empty string with a TypeError", async () => {
  for (const service of ["", { module: "" }]) {
    const error = await refusal({ worker: WORKER, workers: 1, processes: { logger: service } });
    assert.ok(error instanceof TypeError, `service ${Deno.inspect(service)}: got ${error}`);
    assert.equal(error.message, 'Service "logger" needs a module: a path or URL');
  }
});
