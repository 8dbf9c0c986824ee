/**
 * What a Node service sent on a dial that closed before its `$welcome`
 * goes to the sibling's new process (8f21661), its messages only, as a
 * Deno child's do (src/router.ts `#sendAgain`): a request there that timed
 * out meanwhile was taken for a message, because it was no longer open,
 * and went too, so the new process ran a request its requester had given
 * up on, and its answer reached the Node service's listeners.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { nextMessage, remote, waitFor, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

type Saw = { action: string; data: unknown; from: unknown };

Deno.test("a Node service's request that timed out on a dial never welcomed does not go to the new process", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 2,
    processes: { node: { command: ["node", NODE_SERVICE] } },
    stopTimeout: 500,
  });
  const saw: Saw[] = [];
  cluster.on("serviceSaw", (data) => void saw.push(data as Saw));
  // Worker 1 accepts nothing now: a dial to it connects (the kernel's
  // backlog) and waits for a welcome that never comes.
  Deno.kill(cluster.pid(1)!, "SIGSTOP");
  const seen = nextMessage(cluster, "seen", (m) => (m.data as { from: unknown }).from === "node");
  assert.deepEqual(
    await remote(cluster, "node", { op: "send", action: "test", data: "queued", to: 1 }),
    { ok: 1 },
  );
  const stale = await remote(cluster, "node", {
    op: "request",
    action: "echoRequest",
    data: "given up",
    to: 1,
    timeout: 100,
  }) as { error?: { name: string } };
  assert.equal(stale.error?.name, "TimeoutError", JSON.stringify(stale));
  // Stopped, it cannot do its stop work: killed after stopTimeout, and replaced.
  await waitFor(cluster.reload(1), "the reload");
  await waitFor(seen, "the message to the new process");
  // Asked after: answered after whatever the new process answered first.
  const after = await remote(cluster, "node", {
    op: "request",
    action: "echoRequest",
    data: "after",
    to: 1,
  }) as { ok?: { data: unknown; by: unknown } };
  assert.deepEqual([after.ok?.data, after.ok?.by], ["after", 1], JSON.stringify(after));
  // Its own answers reach its listeners too ("after"): not one to the request given up.
  const answers = saw.filter((s) => s.action === "echoResponse");
  assert.deepEqual(answers.map((s) => (s.data as { data: unknown }).data), ["after"]);
});
