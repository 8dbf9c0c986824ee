/**
 * The Node.js reference peer: a handler or listener that fails in an odd
 * way fails alone, as in Deno; it does not drop the connection its
 * message came on (to the manager: the whole process). (A requester that
 * reuses a messageId: tests/reused_message_id_test.ts.)
 */

import assert from "node:assert/strict";
import { Cluster, RemoteError } from "../mod.ts";
import { nextMessage, WORKER } from "./helpers.ts";

const ODD = new URL("./fixtures/node_odd_service.mjs", import.meta.url).pathname;

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
