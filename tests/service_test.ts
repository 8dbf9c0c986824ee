/** Scenario 2: service processes, both ways. */

import assert from "node:assert/strict";
import { MANAGER } from "../mod.ts";
import { nextMessage, Recorder, remote, startCluster } from "./helpers.ts";

type Saw = { action: string; data: unknown; from: unknown };

Deno.test("getProcess(name).send reaches the service, whose onAny sees action and data", async () => {
  await using cluster = await startCluster();
  const saw = new Recorder<Saw>(cluster, "serviceSaw");
  assert.equal(cluster.getProcess("logger").send("flush", { reason: "test" }), true);
  assert.deepEqual(
    await remote(cluster, 1, { op: "sendToProcess", name: "logger", action: "log", data: [1] }),
    {
      ok: true,
    },
  );
  const data = await saw.until((d) => d.length === 2);
  const byAction = Object.fromEntries(data.map((s) => [s.action, s]));
  assert.deepEqual(byAction.flush, { action: "flush", data: { reason: "test" }, from: MANAGER });
  assert.deepEqual(byAction.log, { action: "log", data: [1], from: 1 });
});

Deno.test("getProcess(name).send returns false for a process that does not exist", async () => {
  await using cluster = await startCluster();
  assert.equal(cluster.getProcess("nobody").send("flush", {}), false);
  assert.deepEqual(await remote(cluster, 0, { op: "sendToProcess", name: "nobody", action: "x" }), {
    ok: false,
  });
  assert.throws(() => cluster.getProcess(""), TypeError);
});

Deno.test("msg.reply answers the sender on the same connection, to its own listeners", async () => {
  await using cluster = await startCluster();
  const pong = nextMessage(cluster, "pong");
  cluster.getProcess("logger").send("ping", { from: "manager" });
  const answer = await pong;
  assert.equal(answer.from, "logger");
  assert.deepEqual(answer.data, { data: { from: "manager" }, by: "logger" });
  assert.equal(answer.messageId, undefined);
});

Deno.test("a service's reply() to a request from a worker resolves that request", async () => {
  await using cluster = await startCluster();
  const outcome = await remote(cluster, 2, {
    op: "requestProcess",
    name: "logger",
    action: "pingRequest",
    data: { n: 5 },
  });
  assert.deepEqual(outcome, { ok: { data: { n: 5 }, by: "logger" } });
  assert.deepEqual(await cluster.getProcess("logger").request("pingRequest", 6), {
    data: 6,
    by: "logger",
  });
});

Deno.test("a service sends to workers and to the manager like anyone else", async () => {
  await using cluster = await startCluster();
  const seen = new Recorder<{ by: number; from: unknown }>(cluster, "seen");
  assert.deepEqual(
    await remote(cluster, "logger", { op: "send", action: "test", data: { n: 1 } }),
    {
      ok: 3,
    },
  );
  const data = await seen.until((d) => d.length === 3);
  assert.deepEqual(data.map((s) => s.by).sort(), [0, 1, 2]);
  assert.ok(data.every((s) => s.from === "logger"));

  const hello = nextMessage(cluster, "hello");
  assert.deepEqual(
    await remote(cluster, "logger", { op: "send", action: "hello", data: 1, to: MANAGER }),
    { ok: 1 },
  );
  assert.equal((await hello).from, "logger");
});
