/**
 * Review 19: README "Protocol" (Sockets): "A dial that fails anyway (the
 * old process of a sibling being reloaded closed as it was dialed) wrote
 * nothing: a Deno child asks its manager `$sync` about that sibling and,
 * if it is being replaced …, sends the messages again to its new process
 * once that is ready, ahead of any sent since (its requests wait for it
 * too)". The Node reference peer reported such messages lost and failed
 * such requests ("the connection to it did not open").
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { nextMessage, remote, waitFor, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

type Seen = { by: unknown; action: string; data: unknown; from: unknown };

Deno.test("a Node service's message and request on a dial to a sibling reloaded before it welcomed them go to its new process", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 2,
    processes: { node: { command: ["node", NODE_SERVICE] } },
    stopTimeout: 500,
  });
  // Worker 1 accepts nothing now: a dial to it connects (the kernel's
  // backlog) and waits for a welcome that never comes.
  const pid = cluster.pid(1)!;
  Deno.kill(pid, "SIGSTOP");
  const seen = (from: number | string) =>
    nextMessage(cluster, "seen", (m) => (m.data as Seen).from === from);
  const seenFrom = { node: seen("node"), worker: seen(0) };
  const act = (from: number | string) =>
    Promise.all([
      remote(cluster, from, { op: "send", action: "test", data: "queued", to: 1 }),
      remote(cluster, from, {
        op: "request",
        action: "echoRequest",
        data: "queued",
        to: 1,
        timeout: 10_000,
      }),
    ]);
  const fromNode = act("node");
  const fromWorker = act(0);
  // Both have dialed (each has its message and request queued behind its
  // hello): each answers another op after them.
  await remote(cluster, "node", { op: "pid" });
  await remote(cluster, 0, { op: "pid" });
  // Stopped, it cannot do its stop work: killed after stopTimeout, and replaced.
  await waitFor(cluster.reload(1), "the reload");
  const [[workerSent, workerAsked], [nodeSent, nodeAsked]] = await waitFor(
    Promise.all([fromWorker, fromNode]),
    "the requests",
  ) as [{ ok: unknown }, { ok?: { by: unknown }; error?: unknown }][];
  assert.deepEqual(workerSent, { ok: 1 });
  assert.equal(workerAsked.ok?.by, 1, JSON.stringify(workerAsked));
  assert.deepEqual(nodeSent, { ok: 1 });
  assert.equal(nodeAsked.ok?.by, 1, JSON.stringify(nodeAsked));
  const newPid = cluster.pid(1);
  for (const [who, message] of Object.entries(seenFrom)) {
    const { data, by } = (await waitFor(message, `the message from ${who}`)).data as Seen;
    assert.deepEqual({ data, by }, { data: "queued", by: 1 });
  }
  assert.notEqual(newPid, pid);
  assert.deepEqual(await remote(cluster, "node", { op: "errors" }), { ok: [] });
});
