/**
 * A child that closed its peer on its own and still runs its code (saving
 * its state, within `stopTimeout`) when the cluster stops or reloads it:
 * it cannot be asked, but it is exiting already, and is let finish.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { waitFor } from "./helpers.ts";

const SAVER = new URL("./fixtures/review17_closing_saver.ts", import.meta.url);

/** Resolves once `name` is in `dir`. */
async function appears(dir: string, name: string): Promise<void> {
  using watcher = Deno.watchFs(dir);
  const exists = () => Deno.stat(`${dir}/${name}`).then(() => true, () => false);
  if (await exists()) return;
  for await (const event of watcher) {
    if (event.paths.some((path) => path.endsWith(`/${name}`))) return;
  }
}

for (const operation of ["stop", "reload"] as const) {
  Deno.test(`${operation}() lets a child that closed its peer on its own finish its code, within stopTimeout`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
    const cluster = await Cluster.start({
      worker: SAVER,
      workers: 1,
      args: [dir],
      permissions: { read: [dir], write: [dir] },
    });
    try {
      const pid = cluster.pid(0)!;
      const closed = appears(dir, `${pid}.closed`);
      cluster.sendMessage("leave", {}, 0);
      await waitFor(closed, "the worker to close its peer");
      const done = operation === "stop" ? cluster.stop() : cluster.reload(0);
      await Deno.writeTextFile(`${dir}/go`, "");
      await waitFor(done, `the ${operation}`);
      // Before, it was killed at once, as a child that never connected is.
      assert.ok(
        await Deno.stat(`${dir}/${pid}.saved`).then(() => true, () => false),
        "it saved its state",
      );
    } finally {
      await cluster.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
