/**
 * Review 15: a Deno handler's error too long for a frame reaches its
 * requester cut short (its name, 1,000 characters of its message, no
 * stack; then 100), so that the requester learns what failed rather than
 * waiting out its timeout (src/dispatch.ts). The Node reference peer, whose
 * errors have the names of Switchboard's, sends it whole: over the frame
 * limit, it is only reported there, and the requester times out.
 */

import assert from "node:assert/strict";
import { Cluster, RemoteError } from "../mod.ts";
import { waitFor } from "./helpers.ts";

const SERVICE = new URL("./fixtures/review15_node_big_error_service.mjs", import.meta.url).pathname;

Deno.test("a Node service's error too long for a frame reaches its requester cut short", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { node: { command: ["node", SERVICE] } },
    maxFrameSize: 64 * 1024,
    requestTimeout: 60_000,
  });
  const failed = await waitFor(
    cluster.request("bigFailRequest", undefined, { to: "node" }).then(
      () => undefined,
      (error: Error) => error,
    ),
    "the request's failure",
  );
  assert.ok(failed instanceof RemoteError, `it failed with ${failed}`);
  assert.equal(failed.remoteName, "RangeError");
  assert.ok(failed.remoteMessage.startsWith("xxx"), failed.remoteMessage.slice(0, 100));
});
