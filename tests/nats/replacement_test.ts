/**
 * A request from another host for a process being replaced waits for its
 * new process, as one from its own host does: the manager that relays it
 * refuses it on the child's behalf while the child refuses new requests or
 * is down to be restarted, rather than relay it to a child that closes, or
 * bounce it as undelivered.
 */

import assert from "node:assert/strict";
import { remote, waitFor } from "../helpers.ts";
import { event, joinHere, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;

Deno.test({
  name: "a request from another host to a worker down to be restarted waits for its new process",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    // A back-off long enough that the requests come while worker 0 is down.
    await using b = startHost({ cluster, host: "b", workers: 1, backoff: 1000 });
    const { pids } = await b.ready() as unknown as { pids: Record<string, number> };
    await using a = await joinHere(cluster, "a", { workers: 1 });
    const exited = event(a, "exit", 0);
    Deno.kill(pids["0"], "SIGTERM");
    assert.equal((await exited).type, "exit");
    // From host a's manager, and from its worker, through that manager.
    const fromManager = a.request("echoRequest", "m", { to: 0, timeout: 10_000 });
    const fromWorker = remote(a, 1, { op: "request", action: "echoRequest", to: 0, data: "w" });
    const answer = await waitFor(fromManager, "the manager's answer") as { by: number };
    assert.equal(answer.by, 0);
    assert.deepEqual(
      await waitFor(fromWorker, "the worker's answer"),
      { ok: { data: "w", by: 0, from: 1 } },
    );
  },
});
