/** README's start-up tip: a worker bundled into one file, library included, joins like any other. */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { WORKER } from "./helpers.ts";
import { bundle } from "../tools/build.ts";

Deno.test("a worker bundled into one file by deno bundle joins and answers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-bundle-" });
  try {
    const output = `${dir}/worker.js`;
    await bundle(WORKER, output);
    await using cluster = await Cluster.start({ worker: output, workers: 2 });
    assert.deepEqual(await cluster.requestAll("testRequest", { time: 7 }), [
      { from: 0, data: { time: 7, by: 0 } },
      { from: 1, data: { time: 7, by: 1 } },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
