/**
 * From review of 4e4c722: a listener that fails once its request is answered,
 * or given up, goes to the responder's onError; it must not vanish.
 */

import assert from "node:assert/strict";
import { Cluster, RemoteError, TimeoutError } from "../mod.ts";
import { remote, startCluster, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

/** What worker `worker`'s onError heard, once it heard one error at least. */
const errorsOf = async (cluster: Awaited<ReturnType<typeof startCluster>>, worker: number) =>
  ((await remote(cluster, worker, { op: "errors", atLeast: 1 })) as {
    ok: { count: number; samples: string[] };
  }).ok;

Deno.test("a listener that fails after its requester timed out goes to onError", async () => {
  await using cluster = await startCluster();
  await assert.rejects(
    cluster.request("failsLateRequest", {}, { to: 1, timeout: 100 }),
    TimeoutError,
  );
  cluster.sendMessage("failLate", null, 1);
  const errors = await errorsOf(cluster, 1);
  assert.equal(errors.count, 1, "the listener's throw was lost: not in onError");
  assert.match(errors.samples[0], /failed after its requester gave up/);
});

Deno.test("a listener that answers by hand (data.messageId), then throws, goes to onError", async () => {
  await using cluster = await startCluster();
  const messageId = crypto.randomUUID();
  assert.deepEqual(
    await cluster.request("imiThenThrowsRequest", { messageId }, { to: 1, timeout: 5_000 }),
    { messageId, by: 1 },
  );
  const errors = await errorsOf(cluster, 1);
  assert.equal(errors.count, 1, "the listener's throw was lost: not in onError");
  assert.match(errors.samples[0], /failed after its answer by hand/);
});

Deno.test("a listener whose reply cannot be carried (it threw, nothing was sent) fails the request at once", async () => {
  await using cluster = await startCluster();
  const error = await cluster.request("badReplyRequest", {}, { to: 1, timeout: 3_000 }).then(
    () => assert.fail("answered"),
    (error: Error) => error,
  );
  assert.ok(error instanceof RemoteError, `not a RemoteError: ${error}`);
  assert.equal(error.remoteName, "FrameError");
});

Deno.test("the Node peer: a listener whose reply cannot be carried fails the request at once", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
  const error = await cluster.request("badReplyRequest", {}, { to: "node", timeout: 3_000 }).then(
    () => assert.fail("answered"),
    (error: Error) => error,
  );
  assert.ok(error instanceof RemoteError, `not a RemoteError: ${error}`);
  assert.equal(error.remoteName, "FrameError");
});
