/**
 * Trial 16: a `command` service started through a wrapper script that
 * also starts a helper (`sh -c "helper & exec program"`, as a launcher
 * script does). Its helper is in the service's own process group, which
 * the manager kills only when it kills the service; after a graceful stop,
 * or a reload, the helper runs on, its parent gone: a leaked process, one
 * more at every reload. README, Shutdown: "Afterwards no child process,
 * socket file or directory remains".
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { isRunning, waitFor } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

/** A wrapper that starts `sleep` in the background, writes its pid, and execs the Node peer. */
function wrapped(pidFile: string): string[] {
  return [
    "sh",
    "-c",
    `sleep 600 >/dev/null 2>&1 & echo $! >> ${pidFile}; exec node ${NODE_SERVICE}`,
  ];
}

function helpers(pidFile: string): number[] {
  return Deno.readTextFileSync(pidFile).trim().split("\n").map(Number);
}

Deno.test("a command service's helper process does not outlive the cluster's graceful stop", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-trial16-group-" });
  const pidFile = `${dir}/helpers`;
  try {
    const cluster = await Cluster.start({
      workers: 0,
      processes: { node: { command: wrapped(pidFile) } },
    });
    await cluster.stop();
    const [helper] = helpers(pidFile);
    assert.ok(!isRunning(helper), `the service's helper ${helper} still runs after stop()`);
  } finally {
    for (const pid of helpers(pidFile)) if (isRunning(pid)) Deno.kill(pid, "SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a command service's helper process does not outlive its reload", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-trial16-group-" });
  const pidFile = `${dir}/helpers`;
  try {
    await using cluster = await Cluster.start({
      workers: 0,
      processes: { node: { command: wrapped(pidFile) } },
    });
    await waitFor(cluster.reload("node"), "the reload");
    const [old] = helpers(pidFile);
    assert.ok(!isRunning(old), `the old process's helper ${old} still runs after the reload`);
  } finally {
    for (const pid of helpers(pidFile)) if (isRunning(pid)) Deno.kill(pid, "SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
});
