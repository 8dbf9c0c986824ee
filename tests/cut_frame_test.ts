/**
 * A peer whose connection ends within a frame: the frame it began never
 * comes, and that is said, with who sent it, rather than lost in silence.
 */

import assert from "node:assert/strict";
import { Cluster, FrameError } from "../mod.ts";
import { bootstrapOf, FakeManager, writeAndEnd } from "./fake_manager.ts";
import { nextEvent, startCluster, waitFor, WORKER as WORKER_FIXTURE } from "./helpers.ts";

const WORKER = new URL("./fixtures/error_printing_worker.ts", import.meta.url);
const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;
const utf8 = new TextEncoder();

/** A frame whose length says 1000 bytes, and the first 9 of them. */
function cutFrame(): Uint8Array {
  const bytes = new Uint8Array(4 + 9);
  new DataView(bytes.buffer).setUint32(0, 1000);
  bytes.set(utf8.encode('{"action"'), 4);
  return bytes;
}

Deno.test("a connection that ends within its first frame is a refusal, reported", async () => {
  await using cluster = await startCluster({ workers: 1, processes: {} });
  const refused = nextEvent<Error>(
    (listener) => cluster.onError(listener),
    "the refusal of the cut hello",
  );
  const conn = await Deno.connect({ transport: "unix", path: `${cluster.socketDir}/m.sock` });
  await writeAndEnd(conn, cutFrame());
  // Before the fix, nothing was reported: the wait timed out.
  const error = await refused;
  assert.ok(error instanceof FrameError);
  assert.equal(
    error.message,
    "Refused a connection to the manager: its connection ended within a frame, 13 bytes into it",
  );
});

Deno.test("a peer whose connection ends within a frame is reported by name", async () => {
  await using manager = await FakeManager.start(
    [Deno.execPath(), "run", "--allow-read=/tmp", "--allow-write=/tmp", "--allow-net", WORKER.href],
    bootstrapOf(0, { workers: [0, 1] }),
    "piped",
  );
  // Worker 1, with the cluster's token: admitted, then it sends a message
  // and the start of another, and shuts its side.
  await writeAndEnd(await manager.dialChild(1), cutFrame());
  // Its connection to the manager closed, the worker exits: what it printed is all.
  await manager.close();
  const printed = await waitFor(new Response(manager.child.stdout).text(), "the worker to exit");
  const reported = printed.trim().split("\n").filter((line) => line).map((line) =>
    JSON.parse(line)
  );
  assert.deepEqual(reported, [{
    name: "FrameError",
    message: "Bad frame from worker 1: its connection ended within a frame, 13 bytes into it",
    peer: 1,
  }]);
});

Deno.test("a Node service refuses a connection that ends within its first frame, and says so", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER_FIXTURE,
    workers: 1,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
  const conn = await Deno.connect({ transport: "unix", path: `${cluster.socketDir}/s0.sock` });
  await writeAndEnd(conn, cutFrame());
  // Asked after it: its connection was read to its end by then. Before the
  // fix, the service had reported nothing.
  assert.deepEqual(await cluster.request("doRequest", { op: "errors" }, { to: "node" }), {
    ok: [
      'Refused a connection to service "node": its connection ended within a frame, 13 bytes into it',
    ],
  });
});
