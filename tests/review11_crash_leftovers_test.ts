/**
 * Review 11 (691b5b7): README, Shutdown: what a child started in its
 * process group "gets SIGTERM as the child exits, at a stop, a reload or
 * a crash alike, and SIGKILL if it still holds the child's output half a
 * second later". The SIGKILL is only in `ChildProcesses.#reap`, which
 * stops and reloads run; after a crash `Supervisor.#spawn`'s exit handler
 * sends SIGTERM (`endLeftovers`) and then waits for the output for ever:
 * a helper that ignores SIGTERM and holds the output outlives the crash,
 * and the cluster's stop too (that stops the current processes only).
 *
 * The helper holds a FIFO of its own open on fd 3: its end of file says
 * the helper ended.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event, isRunning, waitFor } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

Deno.test("a helper that ignores SIGTERM and holds a crashed child's output is killed half a second later", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-review11-" });
  try {
    const fifo = `${dir}/helper.0`;
    assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success, "mkfifo");
    const ended = (async () => {
      using file = await Deno.open(fifo, { read: true });
      const buffer = new Uint8Array(16);
      while (await file.read(buffer) !== null);
    })();
    await using cluster = await Cluster.start({
      workers: 0,
      processes: {
        node: {
          command: [
            "sh",
            "-c",
            // The nth process's helper writes to helper.<n>; only the first has a reader.
            `n=$(ls ${dir} | grep -c '^started'); touch ${dir}/started.$n; ` +
            `(trap '' TERM; exec sleep 600 3>${dir}/helper.$n) & echo $! >> ${dir}/pids; ` +
            `exec node ${NODE_SERVICE}`,
          ],
        },
      },
      labelOutput: true,
    });
    const restarted = event(cluster, "ready", "node");
    // A crash: the service's own process dies, its helper does not.
    Deno.kill(cluster.pid("node")!, "SIGKILL");
    await waitFor(restarted, "the service's restart");
    await waitFor(ended, "the crashed process's helper to end");
  } finally {
    const pids = await Deno.readTextFile(`${dir}/pids`).catch(() => "");
    for (const pid of pids.trim().split("\n").filter(Boolean).map(Number)) {
      if (isRunning(pid)) Deno.kill(pid, "SIGKILL");
    }
    await Deno.remove(dir, { recursive: true });
  }
});
