/**
 * Review 13: README ("Errors and limits"): a message over `maxFrameSize` is
 * refused at the sender, saying so, and the process keeps serving; README
 * ("Hostile input"): a handler that throws is reported and the process keeps
 * serving. A sparse array's holes each become an `"undefined"` tag
 * (src/wire_values.ts `#array`), and the walk copies the whole array at its
 * first hole (`array.slice()`) and makes a tag for every hole before
 * anything is measured: an answer of `new Array(2 ** 32 - 1)` (a few bytes
 * in memory) never comes back, the handler's process stuck in that copy
 * (and then in billions of tags, until it runs out of memory). 10,000,000
 * holes took 22 s and 3.3 GB to be refused. Each hole takes at least a
 * dozen bytes of a frame, so the walk can refuse once its tags alone are
 * over the limit.
 */

import assert from "node:assert/strict";
import { Cluster, RemoteError } from "../mod.ts";
import { WAIT, waitFor } from "./helpers.ts";

Deno.test("an answer holding a huge sparse array is refused as too large; the service lives on", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: {
      sparse: new URL("./fixtures/review13_sparse_service.ts", import.meta.url),
    },
    restart: false,
    maxFrameSize: 1024 * 1024,
    stopTimeout: 1000,
  });
  const pid = cluster.pid("sparse");
  const outcome = await waitFor(
    cluster.request("sparseRequest", undefined, { to: "sparse", timeout: WAIT }).then(
      () => "answered",
      (error: unknown) => error,
    ),
    "the sparse answer's refusal",
  );
  assert.ok(outcome instanceof RemoteError, String(outcome));
  assert.equal(outcome.remoteName, "FrameError");
  assert.match(outcome.remoteMessage, /over the \d+-byte limit/);
  assert.equal(cluster.pid("sparse"), pid, "the service did not die");
  assert.equal(await cluster.request("pingRequest", undefined, { to: "sparse" }), "pong");
});
