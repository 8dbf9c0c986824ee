/**
 * A worker that crashes with a request from another host in hand: on one
 * host, its requester's connection to it closes, and the request fails at
 * once. Across hosts, nothing told the requester, which waited out its
 * timeout (30 s by default). Now the crashed worker's host tells the
 * others that it ended, and what waits on it there fails, as it may have
 * run, whether a manager or a worker asked.
 */

import assert from "node:assert/strict";
import { event, remote, waitFor } from "../helpers.ts";
import { joinHere, knowsWorkers, natsAnswers, uniqueCluster, workersOf } from "./hosts.ts";

Deno.test({
  name: "a request another host's worker took fails as soon as that worker crashes, " +
    "from a manager and from a worker, and its next process answers",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using b = await joinHere(cluster, "b", { workers: 1 });
    await using a = await joinHere(cluster, "a", { workers: 1 });
    await knowsWorkers(a, 2);
    const [onB] = workersOf(b);
    const [onA] = workersOf(a);
    // Far longer than the wait below: only being told ends them in time.
    const timeout = 60_000;
    const fromManager = a.request("holdRequest", null, { to: onB, timeout })
      .then(() => assert.fail("answered"), (error: Error) => error);
    const fromWorker = remote(a, onA, { op: "request", action: "holdRequest", to: onB, timeout });
    // Answered after the holds on the same connections: worker `onB` took them.
    await a.request("echoRequest", null, { to: onB });
    await remote(a, onA, { op: "request", action: "echoRequest", to: onB });
    const back = event(b, "ready", onB);
    a.sendMessage("crash", null, onB);
    const cut =
      `Request "holdRequest" to worker ${onB} failed: the connection closed before it answered`;
    const managers = await waitFor(fromManager, "the manager's request to fail");
    assert.equal(managers.message, cut);
    assert.match(
      String((managers.cause as Error | undefined)?.message),
      new RegExp(`^worker ${onB} ended without closing gracefully`),
    );
    const workers = await waitFor(fromWorker, "the worker's request to fail");
    assert.deepEqual(workers, { error: { name: "UnreachableError", message: cut } });
    await waitFor(back, `worker ${onB} to be back`);
    const again = await a.request("echoRequest", "again", { to: onB }) as { data: unknown };
    assert.equal(again.data, "again");
  },
});

Deno.test({
  name: "a message whose listener ends its process on another host is not reported as " +
    "undelivered: it was read, and may have been acted on",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using b = await joinHere(cluster, "b", { workers: 1 });
    await using a = await joinHere(cluster, "a", { workers: 1 });
    await knowsWorkers(a, 2);
    const [onB] = workersOf(b);
    const reported = Promise.withResolvers<Error>();
    a.onError((error) => reported.resolve(error));
    const back = event(b, "ready", onB);
    a.sendMessage("exitNow", null, onB);
    const report = await waitFor(reported.promise, "a report of the message");
    assert.equal(
      report.message,
      `A message from the manager of host "a" to worker ${onB} may not have been delivered: ` +
        `worker ${onB} ended before it said it had read it`,
    );
    await waitFor(back, `worker ${onB} to be back`);
  },
});
