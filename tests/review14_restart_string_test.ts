/**
 * Review 14: trial 17 refused `escalate`, `signals`, `ready`, `labelOutput`
 * and `reusePort` given as the string "false" (taken as true), but not
 * `restart`, which is `false` or an object of restart options: the string
 * "false" (from the environment or a config file) is taken as no options
 * at all, so the children are restarted with the default policy, as if
 * `restart: true`, where the caller meant them to stay down.
 */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions } from "../mod.ts";
import { WORKER } from "./helpers.ts";

for (const restart of ["false", 0]) {
  Deno.test(`Cluster.start() refuses restart: ${JSON.stringify(restart)}`, async () => {
    const options = { worker: WORKER, workers: 1, restart } as unknown as ClusterOptions;
    const outcome = await Cluster.start(options).then(
      async (cluster) => {
        await cluster.stop();
        return "it started, its children restarted by the default policy";
      },
      (error: Error) => error,
    );
    assert.ok(outcome instanceof TypeError, String(outcome));
    assert.match(outcome.message, /"restart"/);
  });
}
