/**
 * Review 14: review 13 stops the walk of data once its tags alone would be
 * over `maxFrameSize`, counting "the least the tags so far take". But a
 * property whose `toJSON` gives undefined is tagged, then the tag taken
 * back (JSON leaves such a property out), and its bytes still count: data
 * whose JSON is `{}` is refused as "over the limit in its tags alone".
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { waitFor, WORKER } from "./helpers.ts";

Deno.test("properties left out as JSON leaves them (toJSON gives undefined) do not count against maxFrameSize", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    maxFrameSize: 1024 * 1024,
  });
  const gone = { toJSON: () => undefined };
  const data: Record<string, unknown> = {};
  for (let i = 0; i < 70_000; i++) data[`k${i}`] = gone;
  assert.equal(JSON.stringify(data), "{}");
  const answer = await waitFor(
    cluster.request("echoRequest", data, { to: 0 }).catch((error: Error) => error.message),
    "the echo",
  );
  assert.deepEqual((answer as { data?: unknown }).data, {}, String(answer));
});
