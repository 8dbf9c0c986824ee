/**
 * Review 9: a request's answer goes to the process that asked, never to
 * the next process at its address. A Deno responder drops the answer to a
 * requester whose connection closed (src/router.ts `replyTo`,
 * `requesterGone`: "the answer would go to nobody, or to a process that
 * never asked (the next one at that address)"). The Node reference peer
 * (peers/node/switchboard_peer.mjs `#replyTo`) sends it all the same: it
 * dials the restarted worker, whose listeners are handed a
 * "holdResponse" it never asked for.
 */

import assert from "node:assert/strict";
import { Cluster, type LifecycleEvent } from "../mod.ts";
import { nextEvent, nextMessage, Recorder } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/review9_holding_node_service.mjs", import.meta.url)
  .pathname;
const WORKER = new URL("./fixtures/review9_answer_watching_worker.ts", import.meta.url);

Deno.test("a Node service does not answer a restarted worker for its old process's request", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
  const stray = new Recorder(cluster, "strayAnswer");
  const holding = nextMessage(cluster, "holding");
  cluster.sendMessage("ask", {}, 0);
  assert.deepEqual((await holding).data, { from: 0 });

  // Worker 0 dies with its request open, and its next process comes up.
  const ready = nextEvent<LifecycleEvent>(
    (fn) => cluster.onLifecycle(fn),
    "worker 0 ready again",
    (event) => event.type === "ready" && event.address === 0,
  );
  Deno.kill(cluster.pid(0)!, "SIGKILL");
  await ready;

  // The old request is answered now; "afterRelease" follows the answer.
  const after = nextMessage(cluster, "afterRelease");
  assert.equal(cluster.getProcess("node").send("release", {}), true);
  await after;
  assert.deepEqual(stray.data, [], "the new worker 0 was handed the answer to its predecessor");
});
