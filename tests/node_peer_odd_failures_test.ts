/**
 * The Node.js reference peer: a handler or listener that fails in an odd
 * way fails alone, as in Deno; it does not drop the connection its
 * message came on (to the manager: the whole process). A requester that
 * reuses a messageId still being answered gives up the older request.
 */

import assert from "node:assert/strict";
import { Cluster, RemoteError } from "../mod.ts";
import { FakeManager } from "./fake_manager.ts";
import { nextMessage, WORKER } from "./helpers.ts";

const ODD = new URL("./fixtures/node_odd_service.mjs", import.meta.url).pathname;
const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

Deno.test("a Node handler whose result's then getter throws fails its request, not the process", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    processes: { odd: { command: ["node", ODD] } },
  });
  const pid = cluster.pid("odd");
  const failure = await cluster.request("thenGetterRequest", 1, { to: "odd" }).catch((e) => e);
  assert.ok(failure instanceof RemoteError, String(failure));
  assert.match(failure.message, /then getter/);
  assert.equal(await cluster.request("pingRequest", 1, { to: "odd" }), "pong");
  assert.equal(cluster.pid("odd"), pid);
});

Deno.test("a Node listener that throws a value whose message getter throws is reported, and the process lives on", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    processes: { odd: { command: ["node", ODD] } },
  });
  const pid = cluster.pid("odd");
  const reported = nextMessage(cluster, "reported");
  assert.equal(cluster.getProcess("odd").send("oddThrow", 1), true);
  assert.deepEqual((await reported).data, { name: "SwitchboardError" });
  assert.equal(await cluster.request("pingRequest", 1, { to: "odd" }), "pong");
  assert.equal(cluster.pid("odd"), pid);
});

Deno.test("a Node handler's request whose messageId its requester reuses is given up, and the newer runs on", async () => {
  await using manager = await FakeManager.start(["node", NODE_SERVICE], ({ dir, token }) => ({
    version: 2,
    self: "node",
    workers: [],
    services: ["node"],
    managers: [],
    maxFrameSize: 1024 * 1024,
    requestTimeout: 10_000,
    highWaterMark: 1024 * 1024,
    maxQueuedBytes: 64 * 1024 * 1024,
    transport: { dir, token, workers: [], services: ["node"] },
  }));
  // Each handler reads its signal after 400 ms, long before either's
  // timeout (a minute).
  const ask = {
    action: "abortedRequest",
    data: { ms: 400 },
    messageId: "reused",
    timeout: 60_000,
  };
  manager.send(ask);
  manager.send(ask);
  const answers = await manager.dataOf("reused", 2);
  assert.deepEqual(answers, [true, false]);
});
