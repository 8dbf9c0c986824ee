/**
 * Signals that come while a manager still joins its broker, before it
 * listens for them itself, do not end the process: they are kept, and acted
 * on once it listens (a SIGHUP reloads once started, a SIGTERM stops).
 * Found by a new user, whose manager died of a SIGHUP sent while it joined.
 */

import assert from "node:assert/strict";
import { ManagerRun } from "../manager_run.ts";
import { natsAnswers, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;
const FIXTURE = new URL("../fixtures/slow_join_manager.ts", import.meta.url);

/** Runs `test` with the slow joiner started and waiting for its go-ahead. */
async function whileJoining(test: (run: ManagerRun, go: () => Promise<void>) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  try {
    await using run = new ManagerRun({ dir, cluster: uniqueCluster() }, FIXTURE);
    await run.next("joining");
    await test(run, () => Deno.writeTextFile(`${dir}/go`, ""));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "a SIGHUP while the manager joins its broker reloads once it started",
  ignore,
  async fn() {
    await whileJoining(async (run, go) => {
      run.process.kill("SIGHUP");
      await go();
      const started = await run.next("started");
      const reloaded = await run.next("reloaded");
      assert.notEqual(reloaded, started, "a new process");
      run.process.kill("SIGTERM");
      await run.next("closed");
      assert.equal((await run.finished()).code, 0);
    });
  },
});

Deno.test({
  name: "a SIGTERM while the manager joins its broker stops it once it started",
  ignore,
  async fn() {
    await whileJoining(async (run, go) => {
      run.process.kill("SIGTERM");
      await go();
      assert.equal(await run.next("failed"), "The cluster was stopped before it had started");
      assert.equal((await run.finished()).code, 0, "ended by itself, not by the signal");
    });
  },
});
