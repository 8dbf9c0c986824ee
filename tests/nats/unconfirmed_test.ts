/**
 * A host that dies says no bye: what was sent to it and never confirmed
 * may have been delivered, or not. Each sender is told how many of its own
 * messages to which target that leaves in doubt, on its own `onError`: a
 * worker of another host as well as that host's manager.
 */

import assert from "node:assert/strict";
import { managerOf, UnreachableError } from "../../mod.ts";
import { remote, waitFor } from "../helpers.ts";
import { event, joinHere, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;

Deno.test({
  name:
    "a host killed with messages unconfirmed: each sender, a worker too, is told how many of its own",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using b = startHost({ cluster, host: "b", workers: 1 });
    await b.ready();
    // Worker 0 is on host b, worker 1 on host a. drain() waits until every
    // byte a sent is confirmed (but one, and none is that small).
    await using a = await joinHere(cluster, "a", { workers: 1, highWaterMark: 1 });
    const reports: Error[] = [];
    a.onError((error) => reports.push(error));
    // A request of worker 1 that worker 0 has, and never answers: not in doubt.
    const held = remote(a, 1, { op: "request", action: "silentRequest", to: 0, timeout: 60_000 });
    // Answered after it, on the same way: worker 0 has had both.
    assert.deepEqual(await remote(a, 1, { op: "request", action: "echoRequest", data: 1, to: 0 }), {
      ok: { data: 1, by: 0, from: 1 },
    });
    await waitFor(a.drain(0), "what a sent b to be confirmed");

    // Paused, b's manager confirms nothing more, nor refreshes its keys: a
    // counts it gone no sooner than hostTimeout less a heartbeat (1.5 s),
    // long after the sends below are out.
    b.process.kill("SIGSTOP");
    for (let n = 0; n < 3; n++) {
      // Answered after the tick, on the same connection: a's manager has sent it on.
      assert.deepEqual(await remote(a, 1, { op: "send", action: "tick", data: { n }, to: 0 }), {
        ok: 1,
      });
    }
    assert.equal(a.sendMessage("tick", { n: 3 }, 0), 1);
    const request = a.request("silentRequest", {}, { to: 0, timeout: 60_000 });
    const outcome = request.then(() => assert.fail("answered"), (error) => error);
    const left = event(a, "hostLeft", managerOf("b"));
    b.process.kill("SIGKILL");
    await waitFor(left, "a to see b leave");

    // Told to a's manager of its own messages only, the tick and the
    // request, once: the request fails on its own, as the host leaves.
    const rejection = await waitFor(outcome, "the request to reject");
    assert.ok(rejection instanceof UnreachableError, String(rejection));
    assert.equal(
      rejection.message,
      'Request "silentRequest" to worker 0 failed: the connection closed before it answered',
    );
    assert.deepEqual(reports.map((error) => error.message), [
      '2 messages from the manager of host "a" to worker 0 (host "b") may not have been ' +
      'delivered: host "b" left without confirming them',
    ]);
    assert.ok(reports[0] instanceof UnreachableError);
    assert.equal(reports[0].peer, 0);

    // Worker 1's request worker 0 had fails as the host leaves, and is in no doubt.
    assert.deepEqual(await waitFor(held, "worker 1's request to fail"), {
      error: {
        name: "UnreachableError",
        message:
          'Request "silentRequest" to worker 0 failed: the connection closed before it answered',
      },
    });

    // Told to worker 1 of its three ticks, once. Its manager told it before
    // the hostLeft event, on the connection this question comes by.
    assert.deepEqual(await remote(a, 1, { op: "errors" }), {
      ok: {
        count: 1,
        names: { UnreachableError: 1 },
        samples: [
          '3 messages from worker 1 to worker 0 (host "b") may not have been delivered: ' +
          'host "b" left without confirming them',
        ],
      },
    });
  },
});
