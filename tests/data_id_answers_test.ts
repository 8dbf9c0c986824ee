/** From review of 6b773cb: an answer echoing the messageId the data carried. */

import assert from "node:assert/strict";
import { PendingRequests } from "../src/pending.ts";
import { Cluster } from "../mod.ts";
import { remote, startCluster, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

const spec = (target: number, dataId: string) => ({
  action: "pingRequest",
  responseAction: "pingResponse",
  target,
  timeout: 60_000,
  dataId,
});
const echo = (id: string) => ({ action: "pingResponse", data: { messageId: id } });

Deno.test("two open requests to different targets carrying one data.messageId: each takes its target's echo", async () => {
  const pending = new PendingRequests();
  const a = pending.open("a", spec(1, "same"));
  const b = pending.open("b", spec(2, "same"));
  assert.ok(pending.answer(echo("same"), 2), "worker 2's echo answers the request to worker 2");
  assert.deepEqual(await b, { messageId: "same" });
  assert.ok(pending.answer(echo("same"), 1));
  assert.deepEqual(await a, { messageId: "same" });
  pending.close();
});

Deno.test("once the first request carrying a data.messageId is answered, the next open one takes the next echo", async () => {
  const pending = new PendingRequests();
  const a = pending.open("a", spec(1, "same"));
  const b = pending.open("b", spec(1, "same"));
  assert.ok(pending.answer(echo("same"), 1));
  assert.deepEqual(await a, { messageId: "same" });
  // b is now the first open request to carry it (README: "the first open request to carry it").
  assert.ok(pending.answer(echo("same"), 1), "the second echo answers the request still open");
  assert.deepEqual(await b, { messageId: "same" });
  pending.close();
});

Deno.test("requestAll() with data carrying a messageId: every imi-style responder's echo answers", async () => {
  await using cluster = await startCluster();
  const messageId = crypto.randomUUID();
  const results = await cluster.requestAll("imiRequest", { messageId }, { timeout: 2_000 });
  assert.deepEqual(
    results,
    [0, 1, 2].map((by) => ({ from: by, data: { messageId, by } })),
  );
});

Deno.test("the Node peer: requests to two workers carrying one data.messageId each take their echo", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 2,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
  const outcome = await remote(cluster, "node", {
    op: "requestEach",
    action: "imiRequest",
    data: { messageId: "shared" },
    to: [0, 1],
    timeout: 2_000,
  });
  assert.deepEqual(outcome, {
    ok: [{ messageId: "shared", by: 0 }, { messageId: "shared", by: 1 }],
  });
});

Deno.test("an echo of a data.messageId that is also another open request's own id still answers the request carrying it", async () => {
  const pending = new PendingRequests();
  // Its own id, "p.0", was put in another request's data (as a process that
  // asked itself and forwards msg.messageId, imi-style, would).
  const own = pending.open("p.0", { ...spec(1, "unrelated") });
  const forwarded = pending.open("p.1", spec(2, "p.0"));
  assert.ok(pending.answer(echo("p.0"), 2), "worker 2's echo answers the request that carried p.0");
  assert.deepEqual(await forwarded, { messageId: "p.0" });
  assert.ok(pending.answer({ action: "pingResponse", messageId: "p.0", re: true, data: 1 }, 1));
  assert.equal(await own, 1);
  pending.close();
});

Deno.test("data sent as its toJSON() gives: an echo of the messageId that carried answers", async () => {
  await using cluster = await startCluster();
  const messageId = crypto.randomUUID();
  // What goes is what toJSON returns (README: as JSON.stringify would): its messageId is the data's.
  const data = { toJSON: () => ({ messageId }) };
  assert.deepEqual(
    await cluster.request("imiRequest", data, { to: 1, timeout: 2_000 }),
    { messageId, by: 1 },
  );
});
