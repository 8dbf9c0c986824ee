/**
 * Review 15: README, labelOutput: a manager whose stdout nobody reads
 * "exits (code 0) `stopTimeout` after its cluster stopped if such a write
 * still waits", such a write being one of a child's output let go of. The
 * check is of every labelled write in the process: a manager process
 * running two clusters, one of them still running, is ended (code 0) with
 * it, `stopTimeout` after the other one stopped.
 */

import assert from "node:assert/strict";
import { deadline } from "../src/deadline.ts";
import { STILL_RUNNING, STOP_TIMEOUT } from "./fixtures/review15_two_clusters_manager.ts";

Deno.test("a cluster stopped beside one still running does not end the process for the running one's stalled output", async () => {
  const manager = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-run",
      "--allow-read=/tmp",
      "--allow-write=/tmp",
      "--allow-net",
      new URL("./fixtures/review15_two_clusters_manager.ts", import.meta.url).href,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Its stdout is never read until it has exited: the running cluster's worker fills it.
  const said = manager.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (seen += chunk) }),
  );
  let seen = "";
  try {
    const status = await deadline(
      manager.status,
      10_000 + 4 * STOP_TIMEOUT,
      () => new Error(`the manager had not exited; it said: ${seen.trim()}`),
    );
    await said;
    assert.match(seen, /batch stopped\n/);
    assert.equal(
      status.code,
      STILL_RUNNING,
      `the process ended with its running cluster; it said: ${seen.trim()}`,
    );
  } finally {
    try {
      manager.kill("SIGKILL");
    } catch {
      // It had exited.
    }
    await manager.stdout.cancel();
    await manager.status;
    await said.catch(() => {});
  }
});
