/**
 * Review 9: a message handed over is delivered, or reported where its
 * sender sees it (README "Failure semantics", "Protocol": "A dial that
 * fails anyway … wrote nothing: a Deno child asks its manager `$sync`
 * about that sibling and … else it reports them to `onError` as not
 * delivered"). The Node reference peer counts a message to a sibling
 * whose socket file is there (sendMessage returns 1), queues it behind its
 * `$hello` until the `$welcome` (peers/node/connection.mjs `send`), and
 * when the connection closes before the welcome it drops the queue
 * (`#queue = []` on "close") and tells nobody: the message is lost in
 * silence. A Deno worker in the same place reports it.
 */

import assert from "node:assert/strict";
import { Cluster, type LifecycleEvent } from "../mod.ts";
import { nextEvent, nextMessage, remote, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

type Seen = { by: unknown; action: string; data: unknown; from: unknown };

Deno.test("a Node service's message to a sibling whose connection closes before its welcome is not lost in silence", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 2,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
  const seen: Seen[] = [];
  cluster.on("seen", (data) => void seen.push(data as Seen));
  // Worker 1 accepts nothing now: a dial to it connects (the kernel's
  // backlog) and waits for a welcome that never comes.
  const pid = cluster.pid(1)!;
  Deno.kill(pid, "SIGSTOP");
  assert.deepEqual(
    await remote(cluster, "node", { op: "send", action: "test", data: "from node", to: 1 }),
    { ok: 1 },
    "the Node service counts its message to worker 1",
  );
  assert.deepEqual(
    await remote(cluster, 0, { op: "send", action: "test", data: "from worker 0", to: 1 }),
    { ok: 1 },
    "worker 0 counts its message to worker 1",
  );
  // It dies before it welcomed either, and is restarted.
  const ready = nextEvent<LifecycleEvent>(
    (listener) => cluster.onLifecycle(listener),
    "worker 1 ready again",
    (event) => event.type === "ready" && event.address === 1,
  );
  Deno.kill(pid, "SIGKILL");
  await ready;
  // Sent after, each on a new connection (the old one is gone): these come.
  const nodeAfter = nextMessage(cluster, "seen", (m) => (m.data as Seen).data === "node after");
  assert.deepEqual(
    await remote(cluster, "node", { op: "send", action: "test", data: "node after", to: 1 }),
    { ok: 1 },
  );
  await nodeAfter;
  // Worker 0 hears the exit, asks its manager, and reports what it could not send.
  const workerErrors = await remote(cluster, 0, { op: "errors", atLeast: 1 }) as {
    ok: { samples: string[] };
  };
  const nodeErrors = await remote(cluster, "node", { op: "errors" }) as { ok: string[] };
  const arrived = (data: string) => seen.some((s) => s.data === data);
  // A Deno worker says so (or its message came after all).
  assert.ok(
    arrived("from worker 0") || workerErrors.ok.samples.some((e) => /"test"/.test(e)),
    `worker 0's message neither came nor was reported: ${JSON.stringify(workerErrors)}`,
  );
  // The Node peer: neither.
  assert.ok(
    arrived("from node") || nodeErrors.ok.length > 0,
    `the Node service's message to worker 1 neither came nor was reported: seen ${
      JSON.stringify(seen.map((s) => s.data))
    }, its errors ${JSON.stringify(nodeErrors.ok)}`,
  );
});
