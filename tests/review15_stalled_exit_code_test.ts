/**
 * Review 15: a manager whose stdout nobody reads exits `stopTimeout` after
 * its cluster stopped, as a labelled write still waits (trial 18). It
 * exits with code 0 whatever `Deno.exitCode` its own code set: a run that
 * failed is then reported to its supervisor (systemd's `on-failure`, a CI
 * job) as one that went well.
 */

import assert from "node:assert/strict";
import { deadline } from "../src/deadline.ts";
import { FAILED, STOP_TIMEOUT } from "./fixtures/review15_failed_run_manager.ts";

Deno.test("a manager whose stdout nobody reads exits with the Deno.exitCode its code set", async () => {
  const manager = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-run",
      "--allow-read=/tmp",
      "--allow-write=/tmp",
      "--allow-net",
      new URL("./fixtures/review15_failed_run_manager.ts", import.meta.url).href,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let seen = "";
  // Its stdout is never read until it has exited: its worker fills it.
  const said = manager.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (seen += chunk) }),
  );
  try {
    // Its stop (each phase at most STOP_TIMEOUT, plus half a second for output held
    // open), then STOP_TIMEOUT for the stalled write, and 10 s for a busy machine.
    const bound = 10_000 + 4 * STOP_TIMEOUT;
    const status = await deadline(
      manager.status,
      bound,
      () =>
        new Error(`the manager had not exited ${bound} ms after it began; it said: ${seen.trim()}`),
    );
    await said;
    assert.match(seen, /stopped\n/);
    assert.equal(status.code, FAILED, `it exited with another code; it said: ${seen.trim()}`);
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
