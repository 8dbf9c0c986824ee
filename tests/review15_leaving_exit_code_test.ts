/**
 * Review 15: a Deno child whose own code calls `peer.close()` exits
 * `stopTimeout` after the close at the latest, even with a server or a
 * timer still running (trial 18). One with nothing left to run ends by
 * itself, with the `Deno.exitCode` its code set; one with a timer is
 * ended with code 0 whatever that was: a failure its code marked is
 * taken for a clean exit (restarted as one, never counted toward
 * `maxRestarts`).
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event } from "./helpers.ts";
import { FAILED } from "./fixtures/review15_failed_leaver.ts";

const LEAVER = new URL("./fixtures/review15_failed_leaver.ts", import.meta.url);

Deno.test("a worker that closes its peer with a timer running exits with the Deno.exitCode it set", async () => {
  await using cluster = await Cluster.start({
    worker: LEAVER,
    workers: 1,
    stopTimeout: 500,
    restart: false,
  });
  const exited = event(cluster, "exit", 0);
  assert.equal(cluster.sendMessage("failAndLeave", null, 0), 1);
  const exit = await exited;
  assert.equal(exit.type === "exit" && exit.code, FAILED);
});
