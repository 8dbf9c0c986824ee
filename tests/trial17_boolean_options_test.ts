/**
 * Trial 17: README, `Cluster.start()` options: `escalate`, `signals`,
 * `ready`, `labelOutput` and `reusePort` are booleans. A value read from
 * the environment or a config file as the string "false" was taken as its
 * truth: `escalate: "false"` still stopped the whole cluster when a child
 * was given up, `signals: "false"` still took SIGINT and SIGTERM from the
 * application. Each is a `TypeError`, as a misspelt option name is.
 */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions } from "../mod.ts";
import { WORKER } from "./helpers.ts";

for (const option of ["escalate", "signals", "ready", "labelOutput", "reusePort"] as const) {
  Deno.test(`Cluster.start() refuses ${option}: "false", a string`, async () => {
    const options = { worker: WORKER, workers: 1, [option]: "false" } as unknown as ClusterOptions;
    const outcome = await Cluster.start(options).then(
      async (cluster) => {
        await cluster.stop();
        return "it started";
      },
      (error: Error) => error,
    );
    assert.ok(outcome instanceof TypeError, String(outcome));
    assert.match(outcome.message, new RegExp(`"${option}"`));
  });
}
