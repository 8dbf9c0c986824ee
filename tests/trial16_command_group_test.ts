/**
 * Trial 16: a `command` service started through a wrapper script that
 * also starts a helper (`sh -c "helper & exec program"`, as a launcher
 * script does). Its helper is in the service's own process group, which
 * the manager killed only when it killed the service; after a graceful
 * stop, or a reload, the helper ran on, its parent gone: a leaked process,
 * one more at every reload. README, Shutdown: "Afterwards no child
 * process, socket file or directory remains".
 *
 * Each helper holds a FIFO of its own open for writing, and nothing else
 * does: the test reads it, and its end of file says the helper ended.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { isRunning, waitFor } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

/**
 * A wrapper that starts `sleep` in the background, writing to `helper.<n>`
 * (the nth process started: the count of `started.*` files), records its
 * pid, and execs the Node peer.
 */
function wrapped(dir: string): string[] {
  return [
    "sh",
    "-c",
    `n=$(ls ${dir} | grep -c '^started'); touch ${dir}/started.$n; ` +
    `sleep 600 > ${dir}/helper.$n 2>/dev/null & echo $! >> ${dir}/pids; exec node ${NODE_SERVICE}`,
  ];
}

/** Makes `count` FIFOs; each resolves once the helper that writes to it has ended. */
async function helperEnds(dir: string, count: number): Promise<Promise<void>[]> {
  const fifos = Array.from({ length: count }, (_, n) => `${dir}/helper.${n}`);
  const made = await new Deno.Command("mkfifo", { args: fifos }).output();
  assert.ok(made.success, "mkfifo");
  return fifos.map(async (fifo) => {
    // Opened once a helper opens it to write; read until every writer closed it.
    using file = await Deno.open(fifo, { read: true });
    const buffer = new Uint8Array(16);
    while (await file.read(buffer) !== null);
  });
}

async function cleanUp(dir: string): Promise<void> {
  const pids = await Deno.readTextFile(`${dir}/pids`).catch(() => "");
  for (const pid of pids.trim().split("\n").filter(Boolean).map(Number)) {
    if (isRunning(pid)) Deno.kill(pid, "SIGKILL");
  }
  await Deno.remove(dir, { recursive: true });
}

Deno.test("a command service's helper process does not outlive the cluster's graceful stop", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-trial16-group-" });
  try {
    const [ended] = await helperEnds(dir, 1);
    const cluster = await Cluster.start({
      workers: 0,
      processes: { node: { command: wrapped(dir) } },
    });
    await cluster.stop();
    await waitFor(ended, "the service's helper to end after stop()");
  } finally {
    await cleanUp(dir);
  }
});

Deno.test("a command service's helper process does not outlive its reload", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-trial16-group-" });
  try {
    const [oldEnded, newEnded] = await helperEnds(dir, 2);
    {
      await using cluster = await Cluster.start({
        workers: 0,
        processes: { node: { command: wrapped(dir) } },
      });
      await waitFor(cluster.reload("node"), "the reload");
      await waitFor(oldEnded, "the old process's helper to end after the reload");
      assert.equal(cluster.stats().children[0].state, "ready");
    }
    await waitFor(newEnded, "the new process's helper to end as the cluster stopped");
  } finally {
    await cleanUp(dir);
  }
});
