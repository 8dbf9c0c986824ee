/**
 * Review 11 (a325826): README, requestAll: "What no target could take
 * (data that cannot be carried, a bad option) rejects the call itself, at
 * once." Data over `maxFrameSize`, which no target of this host could
 * take, still fails each target with the same FrameError: the check added
 * (`checkCarried`) looks at the data's kinds only, not its size.
 */

import assert from "node:assert/strict";
import { startCluster } from "./helpers.ts";

Deno.test("requestAll refuses data over maxFrameSize once, at once, as no target could take it", async () => {
  await using cluster = await startCluster({ workers: 2, maxFrameSize: 4096 });
  await assert.rejects(
    cluster.requestAll("statsRequest", "x".repeat(8192), { to: [0, 1] }),
    { name: "FrameError" },
  );
});
