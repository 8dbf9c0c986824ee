/**
 * Review (0d37fea): a fatal event with `restarts: 0` now reads "could not
 * be started again, and stays down" (src/requester.ts `ended`), meant for a
 * child with no restarts whose reload could not be spawned (README: its
 * `restarts` and `period` are 0). But `restart: { maxRestarts: 0 }` gives a
 * child that simply crashed a fatal event with `restarts: 0` too (its
 * `period` is the policy's, 60000): a request to it then says it "could not
 * be started again", though no start was ever tried.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event, waitFor, WORKER } from "./helpers.ts";

Deno.test("a request to a child given up after a crash with maxRestarts 0 does not say it could not be started", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    restart: { maxRestarts: 0 },
    escalate: false,
  });
  cluster.onError(() => {});
  const fatal = event(cluster, "fatal", 0);
  const pid = cluster.stats().children.find((child) => child.address === 0)!.pid!;
  Deno.kill(pid, "SIGKILL");
  const heard = await waitFor(fatal, "the fatal event");
  // A crash given up by the budget, not a reload that could not be spawned.
  assert.deepEqual(heard, { type: "fatal", address: 0, restarts: 0, period: 60_000 });
  const refused = await cluster.request("echoRequest", "x", { to: 0 }).then(
    () => assert.fail("answered by a worker that stays down"),
    (error: Error & { cause?: Error }) => error,
  );
  assert.equal(refused.name, "UnreachableError");
  assert.doesNotMatch(
    refused.cause?.message ?? "",
    /could not be started/,
    "it crashed and was given up; no start of it failed",
  );
});
