/**
 * Review: what a sibling holds for a process's next process (its dial to
 * the old one closed unwelcomed) must not hold back its answers to that
 * next process's requests: a next process that sets up before it is ready
 * (`{ ready: false }`) and asks the sibling waits for the answer, and the
 * sibling's hold waits for it to be ready.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { nextMessage, sendAsWorker0Goes, waitFor } from "./helpers.ts";

Deno.test("a next process that asks, before it is ready, a sibling holding messages for it gets its answer", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-leaving-asker-" });
  try {
    await using cluster = await Cluster.start({
      worker: new URL("./fixtures/leaving_asker.ts", import.meta.url),
      workers: 2,
      args: [dir],
      permissions: { read: [dir], write: [dir] },
    });
    const reported: unknown[] = [];
    cluster.on("reported", (error) => void reported.push(error));
    const config = nextMessage(cluster, "config");
    const noted = nextMessage(cluster, "noted");
    // Worker 1 dials worker 0 as its old process goes: the dial closes
    // unwelcomed, and what it carried waits for the next process.
    const { count, reload } = await sendAsWorker0Goes(cluster);
    assert.equal(count, 1);
    // The next process asks worker 1 as it sets up: answered at once, not after 3 s.
    const { data } = await waitFor(config, "the next process's setup");
    assert.equal(data, "config", `reported: ${JSON.stringify(reported)}`);
    await waitFor(reload, "the reload");
    assert.equal(((await waitFor(noted, "the note")).data as { data: string }).data, "hello");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
