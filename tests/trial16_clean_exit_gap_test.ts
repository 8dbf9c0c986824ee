/**
 * Trial 16: README, Waiting for a replacement: "A clean exit (code 0) to
 * be restarted is one [a replacement], so a process that never talked to
 * it waits too". A Deno worker that leaves with `peer.close()` (and so
 * exits with 0, to be restarted): the manager's requests to it, sent after
 * its connection closed and before the manager saw its process exit, fail
 * at once with UnreachableError "it is not connected" instead of waiting
 * for its next process.
 */

import assert from "node:assert/strict";
import { MANAGER } from "../mod.ts";
import { event, remote, startCluster, waitFor } from "./helpers.ts";

Deno.test("requests to a worker that closed itself to be restarted wait for its next process", async () => {
  await using cluster = await startCluster();
  const failures: string[] = [];
  let asking = true;
  const ask = async () => {
    while (asking) {
      try {
        await cluster.request("echoRequest", {}, { to: 1, timeout: 5_000 });
      } catch (error) {
        failures.push((error as Error).message);
        // A task between failures: a loop of rejections at once starves the timers.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
  };
  const loops = [ask(), ask()];
  try {
    const ready = event(cluster, "ready", 1);
    await remote(cluster, 1, { op: "sendThenClose", action: "bye", to: MANAGER });
    await ready;
    await waitFor(cluster.request("echoRequest", {}, { to: 1 }), "an answer from the next process");
  } finally {
    asking = false;
    await Promise.all(loops);
  }
  // What it took as it closed may fail ("closed before it answered"): it may have run.
  const refused = failures.filter((message) => !message.includes("closed before it answered"));
  assert.deepEqual(refused, [], `${refused.length} requests failed, the first: ${refused[0]}`);
});
