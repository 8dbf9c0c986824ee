/**
 * Review 19: README "Waiting for a replacement": a child's message to a
 * sibling being replaced, once the old process said it is leaving (or
 * exited), "waits in the sender for the new process, in order with the
 * messages sent to it after, and goes once that process is ready";
 * `sendMessage` counts it. The Node reference peer held none: its message
 * to a service being reloaded counted 0 while no process of it listened,
 * and went to the old process, after its stop work, once it said
 * `$leaving`.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { fileAppears, remote, serviceIn, waitFor, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

Deno.test("a Node service's message to a service being reloaded waits for its new process, in order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-gate-" });
  try {
    await using cluster = await Cluster.start({
      worker: WORKER,
      workers: 1,
      processes: {
        gated: serviceIn(dir, "gated_service.ts"),
        node: { command: ["node", NODE_SERVICE] },
      },
    });
    const note = (data: string) =>
      remote(cluster, "node", { op: "send", action: "note", data, to: "gated" });
    // Connected to the old process, which will say $leaving to it.
    assert.deepEqual(await note("to the old process"), { ok: 1 });
    using watcher = Deno.watchFs(dir);
    const reloaded = cluster.reload("gated");
    // The old process is gone; the new one does not listen until `open`.
    await fileAppears(watcher, "waiting");
    assert.deepEqual(await note("first"), { ok: 1 });
    assert.deepEqual(await note("second"), { ok: 1 });
    await Deno.writeTextFile(`${dir}/open`, "");
    await waitFor(reloaded, "the reload");
    // Sent after the held ones: answered once they are in.
    assert.deepEqual(
      await remote(cluster, "node", {
        op: "request",
        action: "notesRequest",
        to: "gated",
        timeout: 10_000,
      }),
      { ok: ["first", "second"] },
    );
    assert.deepEqual(await remote(cluster, "node", { op: "errors" }), { ok: [] });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
