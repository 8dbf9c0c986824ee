/**
 * Review: a message held for a sibling being replaced, lost because the
 * sender closed before the sibling's new process came, is reported as
 * lost for that reason ("this process closed first", as for a starting
 * sibling), not as if the sibling were simply not connected.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { fileAppears, serviceIn, waitFor } from "./helpers.ts";

Deno.test("a message held for a sibling being replaced, lost as the sender closes, says the sender closed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-closing-holder-" });
  try {
    await using cluster = await Cluster.start({
      worker: new URL("./fixtures/closing_holder.ts", import.meta.url),
      workers: 1,
      args: [dir],
      permissions: { read: [dir], write: [dir] },
      processes: { gated: serviceIn(dir, "gated_service.ts") },
    });
    cluster.onError(() => {});
    // Made before the children write, so that nothing they write comes unseen.
    using watcher = Deno.watchFs(dir);
    using reported = Deno.watchFs(dir);
    const reloaded = cluster.reload("gated");
    reloaded.catch(() => {});
    // The old process is gone, and the new one does not listen until "open".
    await waitFor(fileAppears(watcher, "waiting"), "the old process to be gone");
    assert.equal(await cluster.request("sendRequest", { to: "gated" }, { to: 0 }), 1);
    // Asked after worker 0's $sync about "gated" was answered (the same connection, in order):
    // its hold waits for the new process now.
    await cluster.request("closeRequest", {}, { to: 0 });
    await waitFor(fileAppears(reported, "errors.json"), "worker 0's report");
    const [error] = JSON.parse(await Deno.readTextFile(`${dir}/errors.json`));
    await Deno.writeTextFile(`${dir}/open`, "");
    assert.equal(error.name, "UnreachableError");
    assert.equal(
      error.message,
      'Message "note" to service "gated", held until it could take it, was not delivered: ' +
        "this process closed first",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
