/**
 * At the cluster's start a child's siblings start alongside it: a request
 * to one that does not listen yet waits, within its timeout, until its
 * manager says it does.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import type { Outcome } from "./fixtures/remote_control.ts";
import { fileAppears, serviceIn, waitFor } from "./helpers.ts";

const EARLY_WORKER = new URL("./fixtures/early_asking_worker.ts", import.meta.url);

Deno.test("a request to a sibling that does not listen yet at the start waits for it, within its timeout", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-early-" });
  try {
    // Made before the worker starts, so that nothing it writes comes unseen.
    using firstWritten = Deno.watchFs(dir);
    using secondWritten = Deno.watchFs(dir);
    const outcome = async (name: string): Promise<Outcome> =>
      JSON.parse(await Deno.readTextFile(`${dir}/${name}.json`));
    const starting = Cluster.start({
      worker: EARLY_WORKER,
      workers: 1,
      args: [dir],
      permissions: { read: [dir], write: [dir] },
      // Nothing listens at "gated" until `open` appears.
      processes: { gated: { ...serviceIn(dir, "gated_service.ts"), args: [dir, "first"] } },
    });
    await fileAppears(firstWritten, "first.json");
    assert.deepEqual(await outcome("first"), {
      error: {
        name: "TimeoutError",
        message:
          'Request "echoRequest" to service "gated" timed out after 300 ms: service "gated" did not listen in time',
      },
    });
    // The other request, made with it, still waits: the service listens now.
    await Deno.writeTextFile(`${dir}/open`, "");
    await using _cluster = await waitFor(starting, "the start");
    await fileAppears(secondWritten, "second.json");
    assert.deepEqual(await outcome("second"), { ok: { data: "early", by: "gated" } });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
