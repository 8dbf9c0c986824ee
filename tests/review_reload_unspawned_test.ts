/**
 * Review: a message held for a sibling being reloaded whose new process
 * cannot be spawned, with no restarts (`restart: false`), is reported to
 * its sender: no new process comes (README, Waiting for a replacement:
 * "If no new process comes (given up, not restarted, …), the sender's
 * onError gets one UnreachableError naming the actions").
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event, remote, serviceScript, WAIT, waitFor, WORKER } from "./helpers.ts";

Deno.test("a message held for a sibling whose reload cannot be spawned, not to be restarted, is reported", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const script = await serviceScript(dir);
  try {
    await using cluster = await Cluster.start({
      worker: WORKER,
      workers: 1,
      processes: { svc: { command: [script] } },
      restart: false,
    });
    cluster.onError(() => {});
    // A deploy moves it away: its reload cannot spawn it, and nothing restarts it.
    await Deno.rename(script, `${script}.moved`);
    const fatal = event(cluster, "fatal", "svc");
    await assert.rejects(cluster.reload("svc"), {
      message: 'Could not start service "svc" after its reload',
    });
    // Every process hears that no new process comes.
    assert.deepEqual(await waitFor(fatal, "the fatal event"), {
      type: "fatal",
      address: "svc",
      restarts: 0,
      period: 0,
    });
    // A request to it says why, in words that fit no restarts.
    const refused = await cluster.request("echoRequest", "x", { to: "svc" }).then(
      () => assert.fail("answered by a service that stays down"),
      (error: Error & { cause?: Error }) => error,
    );
    assert.equal(refused.name, "UnreachableError");
    assert.equal(
      refused.cause?.message,
      'service "svc" could not be started again, and stays down',
    );
    assert.equal(cluster.stats().children.find((c) => c.address === "svc")?.state, "stopped");
    // Worker 0 heard the reload; the service is down for good now.
    const sent = await remote(cluster, 0, { op: "send", action: "note", data: 1, to: "svc" });
    if ("ok" in sent && sent.ok === 0) return; // refused at once: seen
    const errors = await waitFor(
      remote(cluster, 0, { op: "errors", atLeast: 1 }),
      `worker 0 to be told its message (counted ${JSON.stringify(sent)}) was not delivered`,
      WAIT,
    );
    assert.match(JSON.stringify(errors), /UnreachableError/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
