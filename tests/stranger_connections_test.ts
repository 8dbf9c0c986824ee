/**
 * Connections that never say hello (a process without the token, holding
 * them open): they neither keep a process from exiting nor keep the
 * cluster's own processes out.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { remote, startCluster, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

/** Opens `count` connections to `path` that say nothing. */
async function silent(path: string, count: number): Promise<Deno.Conn[]> {
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < count; i++) conns.push(await Deno.connect({ transport: "unix", path }));
  return conns;
}

Deno.test("a connection that never says hello does not hold a child's exit", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {} });
  const errors: Error[] = [];
  cluster.onError((error) => errors.push(error));
  const conns = await silent(`${cluster.socketDir}/w1.sock`, 1);
  try {
    // Worker 1 has it in its handshake once it answers a request after it.
    assert.deepEqual((await cluster.request("echoRequest", 1, { to: 1 }) as { by: number }).by, 1);
    await cluster.reload(1);
    // Before the fix, the old process read on at that connection until it
    // was killed, stopTimeout after it was told to exit, and said so.
    assert.deepEqual(errors, []);
  } finally {
    for (const conn of conns) conn.close();
  }
});

Deno.test("64 connections that never say hello keep neither a sibling's dial nor a restart out", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {} });
  const conns = [
    ...await silent(`${cluster.socketDir}/w1.sock`, 64),
    ...await silent(`${cluster.socketDir}/m.sock`, 64),
  ];
  try {
    // Each listener accepts in order: whoever dials next comes after them all.
    // Worker 0 dials worker 1 for the first time. Before the fix, worker 1
    // refused it at once: "the connection to it did not open".
    const outcome = await remote(cluster, 0, {
      op: "request",
      action: "echoRequest",
      data: 1,
      to: 1,
    });
    assert.ok("ok" in outcome, JSON.stringify(outcome));
    assert.equal((outcome.ok as { by: number }).by, 1);
    // Worker 1's next process joins the manager. Before the fix, the manager
    // refused it, and the reload failed: "worker 1 exited with code 1 before it was ready".
    await cluster.reload(1);
    assert.equal((await cluster.request("echoRequest", 2, { to: 1 }) as { by: number }).by, 1);
  } finally {
    for (const conn of conns) conn.close();
  }
});

Deno.test("64 connections that never say hello keep no worker out of a Node service", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 2,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
  const conns = await silent(`${cluster.socketDir}/s0.sock`, 64);
  try {
    // Worker 0 dials the service for the first time, after them all. Before
    // the fix, the service refused it at once.
    const outcome = await remote(cluster, 0, {
      op: "request",
      action: "echoRequest",
      data: 1,
      to: "node",
    });
    assert.ok("ok" in outcome, JSON.stringify(outcome));
    assert.equal((outcome.ok as { by: string }).by, "node");
  } finally {
    for (const conn of conns) conn.close();
  }
});
