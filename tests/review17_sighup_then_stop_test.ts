/** A SIGHUP's reload that a graceful stop cuts short is no error to report. */

import assert from "node:assert/strict";
import type { LifecycleEvent } from "../mod.ts";
import { ManagerRun } from "./manager_run.ts";

Deno.test("SIGTERM during a SIGHUP's reload stops the cluster without reporting the reload it cut short", async () => {
  await using run = new ManagerRun();
  await run.ready();
  run.process.kill("SIGHUP");
  // Worker 0's old process stops: the reload has worker 1 still to do.
  await run.next("event", (event) => (event as LifecycleEvent).type === "reload");
  run.process.kill("SIGTERM");
  assert.equal((await run.finished()).code, 0);
  // Before, onError (the console, here) heard "ClosedError: Reload of worker
  // 0 stopped: the cluster is stopping" on every reload then stop.
  assert.equal(run.stderr, "");
});
