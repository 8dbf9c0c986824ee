/**
 * Trial 18: README, Running in production: "A stop takes at most five
 * `stopTimeout`s when children hang … plus half a second a tier when
 * something a child started ignores SIGTERM and holds its output open".
 * With `labelOutput: true`, a manager whose own stdout nobody reads (a
 * supervisor's log pipe that stalled) never finishes a graceful stop: once
 * its worker is killed, the manager waits for that worker's last labelled
 * lines to be written to a stdout that takes nothing, for ever. SIGTERM
 * from a supervisor then ends only in its SIGKILL.
 */

import assert from "node:assert/strict";
import { deadline } from "../src/deadline.ts";
import { STOP_TIMEOUT } from "./fixtures/trial18_unread_manager.ts";

Deno.test("a SIGTERM'd manager whose stdout nobody reads still stops within its bound", async () => {
  const manager = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-run",
      "--allow-read=/tmp",
      "--allow-write=/tmp",
      "--allow-net",
      new URL("./fixtures/trial18_unread_manager.ts", import.meta.url).href,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = manager.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let more = Promise.withResolvers<void>();
  // Everything it says on stderr, read as it comes, to its end.
  const read = (async () => {
    for (let next = await lines.read(); !next.done; next = await lines.read()) {
      seen += next.value;
      more.resolve();
      more = Promise.withResolvers();
    }
  })();
  const heard = async (line: string): Promise<void> => {
    while (!seen.includes(`${line}\n`)) {
      const ended = await Promise.race([read.then(() => true), more.promise.then(() => false)]);
      if (ended && !seen.includes(`${line}\n`)) throw new Error(`it ended: ${seen}`);
    }
  };
  try {
    await deadline(heard("started"), 10_000, () => new Error("the manager did not start"));
    // Its stdout is never read: the worker fills it, and the manager's pipe from the worker.
    manager.kill("SIGTERM");
    // One worker: its stop work, then its exit, each at most STOP_TIMEOUT, plus the
    // half second for output held open, and as much again for a busy machine.
    const bound = 2 * (2 * STOP_TIMEOUT + 500) + 2_000;
    const status = await deadline(manager.status, bound, () =>
      new Error(
        `the manager had not exited ${bound} ms after SIGTERM; it said: ${seen.trim()}`,
      ));
    assert.equal(status.code, 0);
  } finally {
    // A second SIGTERM ends a manager that still stops; reading its stdout lets it write.
    try {
      manager.kill("SIGTERM");
    } catch {
      // It had exited.
    }
    await manager.stdout.cancel();
    await manager.status;
    await read;
  }
});
