/** Scenario 1: broadcast and targeted messages, from the manager and from a worker. */

import assert from "node:assert/strict";
import { MANAGER } from "../mod.ts";
import { Recorder, remote, startCluster } from "./helpers.ts";

type Seen = { by: number; action: string; data: { n: number }; from: unknown; messageId?: string };

/** Which workers saw message `n`, sorted. */
function receivers(seen: Seen[], n: number): number[] {
  return seen.filter((s) => s.data.n === n).map((s) => s.by).sort();
}

/**
 * Waits for the final broadcast (`n: last`) at every worker. Each sender's
 * messages arrive in order, so by then every earlier message that was to
 * arrive has arrived: what is missing was not delivered.
 */
function untilAllSaw(seen: Recorder<Seen>, last: number): Promise<Seen[]> {
  return seen.until(
    (data) => receivers(data, last).length === 3,
    `message ${last} at every worker`,
  );
}

Deno.test("sendMessage from the manager reaches every worker, one worker, or a list", async () => {
  await using cluster = await startCluster();
  const seen = new Recorder<Seen>(cluster, "seen");

  assert.equal(cluster.sendMessage("test", { n: 1 }), 3);
  assert.equal(cluster.sendMessage("test", { n: 2 }, 1), 1);
  assert.equal(cluster.sendMessage("test", { n: 3 }, [0, 2]), 2);
  assert.equal(cluster.sendMessage("test", { n: 4 }), 3);
  const data = await untilAllSaw(seen, 4);

  assert.deepEqual(receivers(data, 1), [0, 1, 2]);
  assert.deepEqual(receivers(data, 2), [1]);
  assert.deepEqual(receivers(data, 3), [0, 2]);
  for (const s of data) {
    assert.equal(s.action, "test");
    assert.equal(s.from, MANAGER);
    assert.equal(s.messageId, undefined);
  }
});

Deno.test("sendMessage from a worker reaches every worker, itself included, one, or a list", async () => {
  await using cluster = await startCluster();
  const seen = new Recorder<Seen>(cluster, "seen");
  const send = (data: unknown, to?: unknown) =>
    remote(cluster, 0, { op: "send", action: "test", data, to });

  assert.deepEqual(await send({ n: 1 }), { ok: 3 });
  assert.deepEqual(await send({ n: 2 }, 1), { ok: 1 });
  assert.deepEqual(await send({ n: 3 }, [0, 2]), { ok: 2 });
  assert.deepEqual(await send({ n: 4 }), { ok: 3 });
  const data = await untilAllSaw(seen, 4);

  assert.deepEqual(receivers(data, 1), [0, 1, 2]);
  assert.deepEqual(receivers(data, 2), [1]);
  assert.deepEqual(receivers(data, 3), [0, 2]);
  for (const s of data) {
    assert.equal(s.from, 0, "msg.from is the sending worker, also for its own copy");
  }
});

Deno.test("sendMessage counts only the targets it could hand the message to", async () => {
  await using cluster = await startCluster();
  assert.equal(cluster.sendMessage("test", { n: 1 }, 7), 0);
  assert.equal(cluster.sendMessage("test", { n: 1 }, [1, 7, 9]), 1);
  assert.equal(cluster.sendMessage("test", { n: 1 }, "nobody"), 0);
  assert.equal(cluster.sendMessage("test", { n: 1 }, []), 0);
  assert.equal(
    cluster.sendMessage("test", { n: 1 }, [1, 1, 2]),
    2,
    "a process listed twice gets it once",
  );
  assert.deepEqual(
    await remote(cluster, 2, { op: "send", action: "test", data: { n: 1 }, to: 5 }),
    {
      ok: 0,
    },
  );
  assert.throws(() => cluster.sendMessage("test", {}, -1), TypeError);
  assert.throws(() => cluster.sendMessage("test", {}, 1.5), TypeError);
  assert.throws(() => cluster.sendMessage("$hello", {}), /reserved/);
});

Deno.test("a listener learns the sender and can answer it", async () => {
  await using cluster = await startCluster();
  const seen = new Recorder<Seen>(cluster, "seen");
  // Worker 2 answers worker 1's "testRequest" (by hand) to msg.from; the
  // answer comes back through worker 1's own "testResponse" listener.
  const outcome = await remote(cluster, 1, { op: "manualRequest", to: 2, time: 42 });
  assert.ok("ok" in outcome);
  assert.deepEqual({ ...(outcome.ok as object), messageId: undefined }, {
    messageId: undefined,
    time: 42,
    by: 2,
  });
  // The manager is answered the same way: worker 0 replies to msg.from = MANAGER.
  cluster.sendMessage("test", { n: 9 }, 0);
  const [report] = await seen.until((data) => data.length === 1);
  assert.equal(report.from, MANAGER);
});
