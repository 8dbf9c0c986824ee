/**
 * No debris on any way out: a manager that throws, leaves a rejection
 * unhandled, calls `Deno.exit()`, or is killed with SIGKILL.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { isRunning } from "./helpers.ts";
import { exists, ManagerRun } from "./manager_run.ts";

for (
  const [crash, code] of [["throw", 1], ["reject", 1], ["exit", 3]] as const
) {
  Deno.test(`a manager that ends abruptly (${crash}) leaves no socket, directory or child`, async () => {
    await using run = new ManagerRun({ crash });
    const ready = await run.ready();
    const status = await run.finished();
    assert.equal(status.code, code, run.stderr);
    assert.equal(await exists(ready.dir), false, "no socket directory is left");
    for (const pid of Object.values(ready.pids)) assert.ok(!isRunning(pid), `${pid} still runs`);
  });
}

Deno.test("after a manager is killed with SIGKILL, the next Cluster.start() removes its directory", async () => {
  await using run = new ManagerRun();
  const ready = await run.ready();
  run.process.kill("SIGKILL");
  // Its children notice it gone and exit, each removing its own socket.
  await run.finished();
  assert.deepEqual([...Deno.readDirSync(ready.dir)].map((entry) => entry.name), ["m.sock"]);
  const cluster = await Cluster.start({ workers: 0 });
  assert.equal(await exists(ready.dir), false, "the dead manager's directory is gone");
  assert.ok(await exists(cluster.socketDir), "a live manager's stays");
  await cluster.stop();
});
