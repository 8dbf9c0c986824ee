/**
 * A SIGHUP that comes while `Cluster.start()` waits reloads once the start
 * is done. The manager's code registers its lifecycle listener right after
 * `await Cluster.start()`, as README's server does: it must hear that reload
 * from its first event. Found by a new user, whose listener heard "ready 0"
 * with no "reload 0" before it.
 */

import assert from "node:assert/strict";
import { ManagerRun } from "./manager_run.ts";

Deno.test("a SIGHUP during the start: a listener added once the start resolved hears every reload event", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  try {
    await using run = new ManagerRun(
      { dir },
      new URL("./fixtures/sighup_start_manager.ts", import.meta.url),
    );
    await run.next("waiting");
    run.process.kill("SIGHUP");
    await run.next("hup");
    await Deno.writeTextFile(`${dir}/open`, "");
    await run.next("reloaded");
    assert.deepEqual(run.all("event"), ["reload 0", "ready 0", "reload 1", "ready 1"]);
    run.process.kill("SIGTERM");
    assert.equal((await run.finished()).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
