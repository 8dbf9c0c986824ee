/**
 * A message refused past the window to another host ("host "b" cannot
 * take it now") ends nothing else: the GONE frame that tells the worker
 * says its target is still there. A request the worker sent that target
 * before, within the window, is still answered.
 */

import assert from "node:assert/strict";
import { remote, waitFor } from "../helpers.ts";
import { joinHere, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

Deno.test({
  name: "a request in flight to another host outlives a message refused past the window after it",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using b = startHost({ cluster, host: "b", workers: 1 });
    await b.ready();
    // Worker 0 is on host b, worker 1 on host a, whose window to b holds some 16 KB.
    await using a = await joinHere(cluster, "a", { workers: 1, window: 16_384 });
    assert.deepEqual(await remote(a, 1, { op: "request", action: "echoRequest", data: 1, to: 0 }), {
      ok: { data: 1, by: 0, from: 1 },
    });
    // Paused, b confirms nothing: the request waits, and the burst after it fills the window.
    b.process.kill("SIGSTOP");
    let resumed = false;
    let asked: Promise<unknown>;
    try {
      asked = remote(a, 1, {
        op: "request",
        action: "echoRequest",
        data: 2,
        to: 0,
        timeout: 20_000,
      });
      const burst = await remote(a, 1, { op: "burst", action: "tick", to: 0, count: 2_000 });
      assert.deepEqual(burst, { ok: 2_000 });
      const errors = await remote(a, 1, { op: "errors", atLeast: 1 });
      assert.ok("ok" in errors, JSON.stringify(errors));
      b.process.kill("SIGCONT");
      resumed = true;
    } finally {
      if (!resumed) b.process.kill("SIGCONT");
    }
    assert.deepEqual(await waitFor(asked, "the request's outcome"), {
      ok: { data: 2, by: 0, from: 1 },
    });
  },
});
