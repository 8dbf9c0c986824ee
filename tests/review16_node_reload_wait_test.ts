/**
 * Review 16: README "Waiting for a replacement": "A request (plain or
 * streamed) to a worker by id or a service by name that is reloading or
 * stopping alone, refused by the old process or sent while no process is
 * up, goes to its new process once that is `ready`", and the manager
 * tells every child of a reload (`$event` `reload`) and of a clean exit
 * to be restarted (`exit`, code 0, `restart: true`). README lists what the
 * Node reference peer leaves out (streamed answers, backpressure,
 * `schemas`, the start's wait, `managerOf(host)`); the wait for a process
 * being replaced is not among them, and it "sends a request that a worker
 * stopping alone refused again to its next process". But the Node peer
 * waits only for a sibling that refused it or told it `$leaving`: one it
 * never talked to, being reloaded or restarted after a clean exit, fails
 * its request at once ("it is not connected"), while a Deno worker's same
 * request waits and is answered by the new process.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event, fileAppears, remote, serviceIn, waitFor, WORKER } from "./helpers.ts";
import type { Outcome } from "./fixtures/remote_control.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

/**
 * A cluster of a worker, the Node service and a gated service, which is
 * being reloaded: its old process is gone, and its new one does not listen
 * until `open()`. `fn` runs then; the directory goes after.
 */
async function whileGatedReloads(
  fn: (cluster: Cluster, open: () => Promise<void>) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-gate-" });
  try {
    await using cluster = await Cluster.start({
      worker: WORKER,
      workers: 1,
      processes: {
        gated: serviceIn(dir, "gated_service.ts"),
        node: { command: ["node", NODE_SERVICE] },
      },
    });
    using watcher = Deno.watchFs(dir);
    const reloaded = cluster.reload("gated");
    await fileAppears(watcher, "waiting");
    await fn(cluster, async () => {
      await Deno.writeTextFile(`${dir}/open`, "");
      await waitFor(reloaded, "the reload");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a Node service's request to a service being reloaded, that it never talked to, waits for its new process", async () => {
  await whileGatedReloads(async (cluster, open) => {
    const ask = (from: number | string) =>
      remote(cluster, from, {
        op: "request",
        action: "echoRequest",
        data: "x",
        to: "gated",
        timeout: 10_000,
      }) as Promise<Outcome>;
    const fromWorker = ask(0);
    const fromNode = ask("node");
    // Answered after the requests above began: both were made by now.
    await remote(cluster, 0, { op: "pid" });
    await remote(cluster, "node", { op: "pid" });
    await open();
    assert.deepEqual(await waitFor(fromWorker, "worker 0's request"), {
      ok: { data: "x", by: "gated" },
    });
    assert.deepEqual(await waitFor(fromNode, "the Node service's request"), {
      ok: { data: "x", by: "gated" },
    });
  });
});

Deno.test("a Node service's request to a worker that exited cleanly to be restarted, that it never talked to, waits for its next process", async () => {
  // Back-off long enough that the requests come while worker 0 is down.
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 2,
    processes: { node: { command: ["node", NODE_SERVICE] } },
    restart: { backoff: 300 },
  });
  const exited = event(cluster, "exit", 0);
  // Nobody talked to worker 0: the others hear of its exit only.
  Deno.kill(cluster.pid(0)!, "SIGTERM");
  assert.deepEqual(await exited, {
    type: "exit",
    address: 0,
    code: 0,
    signal: null,
    restart: true,
  });
  const ask = (from: number | string) =>
    remote(cluster, from, { op: "request", action: "echoRequest", data: "x", to: 0 }) as Promise<
      Outcome
    >;
  const [fromWorker, fromNode] = await waitFor(
    Promise.all([ask(1), ask("node")]),
    "the requests of worker 1 and the Node service",
  );
  assert.equal((fromWorker as { ok?: { by: unknown } }).ok?.by, 0, JSON.stringify(fromWorker));
  assert.equal((fromNode as { ok?: { by: unknown } }).ok?.by, 0, JSON.stringify(fromNode));
});

Deno.test("a Node service that starts while a sibling is being reloaded waits for that sibling too", async () => {
  // It missed the reload event: its bootstrap's `replacing` tells it.
  await whileGatedReloads(async (cluster, open) => {
    // The Node service starts anew now: it never heard of the reload.
    const restarted = event(cluster, "ready", "node");
    Deno.kill(cluster.pid("node")!, "SIGKILL");
    await restarted;
    const asked = remote(cluster, "node", {
      op: "request",
      action: "echoRequest",
      data: "x",
      to: "gated",
      timeout: 10_000,
    }) as Promise<Outcome>;
    // Answered after the request above began: it was made by now.
    await remote(cluster, "node", { op: "pid" });
    await open();
    assert.deepEqual(await waitFor(asked, "the Node service's request"), {
      ok: { data: "x", by: "gated" },
    });
  });
});
