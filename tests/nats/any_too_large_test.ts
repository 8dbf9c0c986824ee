/**
 * `ANY` across hosts with a message too large for another host (over NATS
 * `max_payload`) but not for this host's sockets: the turn fell on a
 * worker of the other host, and the send threw `FrameError`, though a
 * worker of this host could take it; the same call failed or not by whose
 * turn it was. Such a worker is passed over, as one whose queue is full
 * is; with none left that takes it, the `FrameError` still comes. Found
 * by trial 21 (an ops engineer sending uploads to `ANY` on two hosts).
 */

import assert from "node:assert/strict";
import { ANY, FrameError } from "../../mod.ts";
import { remote } from "../helpers.ts";
import { joinHere, knowsWorkers, natsAnswers, uniqueCluster, workersOf } from "./hosts.ts";

// Over the 1 MiB max_payload of the shared server, far under the 16 MiB frames of a host.
const BIG = "x".repeat(1_500_000);

Deno.test({
  name: "a request or message to ANY too large for another host goes to a worker of this host",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    // b first: its workers come first in the turn.
    await using b = await joinHere(cluster, "b", { workers: 2 });
    await using a = await joinHere(cluster, "a", { workers: 2 });
    await knowsWorkers(a, 4);
    const local = workersOf(a);
    for (let i = 0; i < 4; i++) {
      const answer = await a.request("echoRequest", BIG, { to: ANY }) as { by: number };
      assert.ok(local.includes(answer.by), `request ${i} went to worker ${answer.by}`);
      assert.equal(a.sendMessage("test", BIG, ANY), 1, `message ${i}`);
    }
    // From a worker of host a, the same.
    for (let i = 0; i < 4; i++) {
      const outcome = await remote(a, local[0], {
        op: "requestAny",
        action: "echoRequest",
        data: BIG,
      });
      assert.ok("ok" in outcome, JSON.stringify(outcome).slice(0, 300));
      assert.ok(local.includes((outcome.ok as { by: number }).by));
    }
    // Small ones still take turns across both hosts.
    const by = new Set<number>();
    for (let i = 0; i < 4; i++) {
      by.add((await a.request("echoRequest", "small", { to: ANY }) as { by: number }).by);
    }
    assert.deepEqual([...by].sort(), [...workersOf(b), ...local].sort());
  },
});

Deno.test({
  name: "a request to ANY too large for every worker up fails with FrameError",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using b = await joinHere(cluster, "b", { workers: 2 });
    // Host a runs no worker: every worker is on b.
    await using a = await joinHere(cluster, "a", { workers: 0 });
    await knowsWorkers(a, 2);
    await assert.rejects(
      a.request("echoRequest", BIG, { to: ANY }),
      (error: Error) => error instanceof FrameError && /max_payload/.test(error.message),
    );
    assert.throws(() => a.sendMessage("test", BIG, ANY), FrameError);
    assert.equal(workersOf(b).length, 2);
  },
});
