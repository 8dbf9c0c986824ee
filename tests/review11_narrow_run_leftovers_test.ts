/**
 * Review 11 (691b5b7): what a child started in its process group gets
 * SIGTERM as the child exits (`ChildProcesses.endLeftovers`). With
 * `--allow-run` narrowed to some programs Deno refuses to signal a group,
 * and endLeftovers swallows that: a `command` service's helper outlives
 * the graceful stop, and nothing is said. README (Start-up fails loudly)
 * says `onError` hears once that what it started may still run; Shutdown
 * says the helper gets SIGTERM. Either should hold: here neither does.
 */

import assert from "node:assert/strict";
import { isRunning, waitFor } from "./helpers.ts";

Deno.test("with --allow-run narrowed, a command service's helper that outlives a graceful stop is said, or ended", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-review11-" });
  let ended: Promise<void> | undefined;
  try {
    const fifo = `${dir}/helper`;
    assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success, "mkfifo");
    ended = (async () => {
      // Opened once the helper opens it to write; its end of file says it ended.
      using file = await Deno.open(fifo, { read: true });
      const buffer = new Uint8Array(16);
      while (await file.read(buffer) !== null);
    })();
    const { stdout, stderr } = await waitFor(
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          `--allow-run=sh,${Deno.execPath()}`,
          "--allow-read=/tmp",
          "--allow-write=/tmp",
          "--allow-net",
          new URL("./fixtures/review11_narrow_group_manager.ts", import.meta.url).href,
          dir,
        ],
        stdin: "null",
      }).output(),
      "the manager to end",
      20_000,
    );
    assert.equal(new TextDecoder().decode(stdout), '{"stopped":true}\n');
    const said = /Could not signal a child's process group/.test(new TextDecoder().decode(stderr));
    if (!said) {
      await waitFor(ended, "the helper to end, as nothing said it could not be ended");
    }
  } finally {
    const pid = Number(await Deno.readTextFile(`${dir}/pid`).catch(() => "0"));
    if (pid > 0 && isRunning(pid)) Deno.kill(pid, "SIGKILL");
    // Said, it may run still: killed here, its FIFO's reader ends too.
    if (ended) await waitFor(ended, "the helper's FIFO to end");
    await Deno.remove(dir, { recursive: true });
  }
});
