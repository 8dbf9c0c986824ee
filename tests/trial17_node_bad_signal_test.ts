/**
 * Trial 17: the Node reference peer (peers/node/) has the Deno peer's bug
 * of tests/trial17_bad_signal_test.ts. Its `request()` with a `signal`
 * that is not an `AbortSignal` sent the request, rejected with a bare
 * "signal.addEventListener is not a function", and left an open request
 * whose answer then threw as it settled, in the peer's read path.
 */

import assert from "node:assert/strict";
import { Cluster, type LifecycleEvent } from "../mod.ts";
import { remote, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

Deno.test("the Node peer's request() with a signal that is not an AbortSignal throws TypeError, and its connections live on", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
  const exits: LifecycleEvent[] = [];
  cluster.onLifecycle((event) => void (event.type === "exit" && exits.push(event)));
  const bad = await remote(cluster, "node", {
    op: "request",
    to: 0,
    action: "echoRequest",
    data: { n: 1 },
    options: { signal: {} },
  });
  assert.equal((bad as { error?: { name: string } }).error?.name, "TypeError", JSON.stringify(bad));
  assert.match((bad as { error: { message: string } }).error.message, /"echoRequest".*signal/);

  // Had it been sent, its answer came back by now: the next request is answered after it.
  const good = await remote(cluster, "node", {
    op: "request",
    to: 0,
    action: "echoRequest",
    data: { n: 2 },
  });
  assert.deepEqual((good as { ok?: { data: unknown } }).ok?.data, { n: 2 }, JSON.stringify(good));
  assert.deepEqual(await remote(cluster, "node", { op: "errors" }), { ok: [] });
  assert.deepEqual(exits, []);
});
