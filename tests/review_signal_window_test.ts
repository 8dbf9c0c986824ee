/**
 * Review: in a terminal, a SIGINT heard again within SAME_SIGNAL_WITHIN of
 * the first is the same one heard twice (src/signals.ts): a terminal's
 * Ctrl-C reaches a manager run by `deno task` twice. The window must count
 * from when the first one was handled: the first signal's listener runs
 * the stop, and with it the manager's `onStop` handlers up to their first
 * await, and the copy that came meanwhile is heard only after that. Here
 * that synchronous work takes 400 ms: measured from the first, the copy
 * would count as a second signal, and the manager stop at once (exit 130,
 * no child's `onStop` run).
 */

import assert from "node:assert/strict";
import { hasScript, ManagerRun } from "./manager_run.ts";

const FIXTURE = new URL("./fixtures/busy_stop_manager.ts", import.meta.url);

Deno.test({
  name:
    "Ctrl-C under deno task whose copy comes while the manager's onStop runs synchronously stops gracefully",
  ignore: !hasScript,
  async fn() {
    await using run = new ManagerRun({}, FIXTURE, "terminal");
    await run.ready();
    await run.pressCtrlC();
    const status = await run.finished();
    assert.equal(status.code, 0, `stopped at once (code ${status.code})`);
    assert.deepEqual(
      (run.all("stopped") as (number | string)[]).sort(),
      [0, 1, "logger"].sort(),
      "every child ran its onStop",
    );
  },
});
