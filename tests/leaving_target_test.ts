/**
 * A message a sibling sends a process as it leaves for a reload, on a
 * connection that closes before it opens (the old process is gone by
 * then), goes to its next process: it was counted as handed over.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event, nextMessage, waitFor } from "./helpers.ts";

Deno.test("a message dialed as its target leaves for a reload reaches the next process", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-leaving-" });
  try {
    await using cluster = await Cluster.start({
      worker: new URL("./fixtures/leaving_target.ts", import.meta.url),
      workers: 2,
      args: [dir],
      permissions: { read: [dir], write: [dir] },
    });
    const errors: Error[] = [];
    cluster.onError((error) => void errors.push(error));
    const oldPid = cluster.pid(0);
    const noted = nextMessage(cluster, "noted");
    const reloading = event(cluster, "reload", 0);
    const reload = cluster.reload(0);
    await waitFor(reloading, "the reload to begin");
    // Worker 1 never talked to worker 0: it dials now, and the dial opens
    // only once the old worker 0 (which waits for the send) is gone.
    const count = await cluster.request("sendUntilGoneRequest", {
      to: 0,
      path: `${cluster.socketDir}/w0.sock`,
    }, { to: 1 });
    assert.equal(count, 1);
    await waitFor(reload, "the reload");
    const { data } = await noted;
    assert.deepEqual((data as { data: string }).data, "hello");
    assert.notEqual((data as { pid: number }).pid, oldPid, "the old process was gone");
    assert.deepEqual(errors, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
