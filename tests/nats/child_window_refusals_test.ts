/**
 * A worker that floods another host past its manager's window: each
 * message refused ("host "b" cannot take it now") was told to the worker
 * on its own, in a frame of its own and an `onError` call of its own (a
 * burst of 2,000 gave some 1,500 reports), where every other refusal of
 * many messages at once is gathered into one report with their count.
 * Found by trial 21 (an ops engineer whose log had a line per message).
 */

import assert from "node:assert/strict";
import { managerOf } from "../../mod.ts";
import { remote, waitFor } from "../helpers.ts";
import { event, joinHere, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

Deno.test({
  name: "what a worker sends past the window to another host is refused to it in one report " +
    "a task, with its count, and nothing goes untold",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using b = startHost({ cluster, host: "b", workers: 1 });
    await b.ready();
    // Worker 0 is on host b, worker 1 on host a, whose window to b holds some 16 KB.
    await using a = await joinHere(cluster, "a", {
      workers: 1,
      window: 16_384,
      highWaterMark: 1,
    });
    assert.deepEqual(await remote(a, 1, { op: "request", action: "echoRequest", data: 1, to: 0 }), {
      ok: { data: 1, by: 0, from: 1 },
    });
    // Confirmed before the pause (a drains to host b down to its high-water mark of a byte),
    // the request above is none of what is in doubt below.
    await waitFor(a.drain(0), "b to confirm what it was sent");
    // Paused, b confirms nothing: the window fills, and what is out stays in doubt.
    b.process.kill("SIGSTOP");
    const count = 2_000;
    assert.deepEqual(await remote(a, 1, { op: "burst", action: "tick", to: 0, count }), {
      ok: count,
    });
    const left = event(a, "hostLeft", managerOf("b"));
    b.process.kill("SIGKILL");
    await waitFor(left, "a to see b leave");

    // Its manager told it before the hostLeft event, on the connection this question comes by.
    const outcome = await remote(a, 1, { op: "errors" });
    assert.ok("ok" in outcome);
    const { count: reports, samples } = outcome.ok as { count: number; samples: string[] };
    assert.ok(reports < 20, `${reports} reports: ${samples.slice(0, 3).join("; ")}`);
    let told = 0;
    for (const sample of samples) {
      const match = sample.match(
        /^(\d+) messages from worker 1 to worker 0 (?:were not delivered: host "b" cannot take it now|\(host "b"\) may not have been delivered: host "b" left without confirming them)$/,
      );
      assert.ok(match, sample);
      told += Number(match[1]);
    }
    assert.equal(told, count, `each message refused or in doubt, told once: ${samples.join("; ")}`);
  },
});
