/**
 * A process asked to stop (a reload, the cluster's stop) while it still
 * set up, which then becomes ready, is not announced ready: it is on its
 * way out, and its next process is the one to wait for.
 */

import assert from "node:assert/strict";
import { Cluster, type LifecycleEvent } from "../mod.ts";
import { waitFor } from "./helpers.ts";

const SLOW = new URL("./fixtures/review17_slow_setup_worker.ts", import.meta.url);

/** Waits for files of `dir` by name (see `review17_slow_setup_worker.ts`). */
function filesOf(dir: string): { file(pattern: RegExp): Promise<string>; close(): void } {
  const watcher = Deno.watchFs(dir);
  const names = (async function* () {
    for await (const event of watcher) {
      for (const path of event.paths) yield path.slice(path.lastIndexOf("/") + 1);
    }
  })();
  const seen: string[] = [];
  return {
    async file(pattern: RegExp): Promise<string> {
      const found = seen.find((name) => pattern.test(name));
      if (found !== undefined) return found;
      while (true) {
        const { value } = await waitFor(names.next(), `a file ${pattern}`);
        seen.push(value!);
        if (pattern.test(value!)) return value!;
      }
    },
    close: () => watcher.close(),
  };
}

Deno.test("a restarted worker reloaded while it sets up, ready during its stop work, is not announced ready", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const files = filesOf(dir);
  const cluster = await Cluster.start({
    worker: SLOW,
    workers: 1,
    args: [dir],
    permissions: { read: [dir], write: [dir] },
    restart: { backoff: 10 },
  });
  try {
    const events: string[] = [];
    cluster.onLifecycle((event: LifecycleEvent) => {
      events.push(`${event.type} ${event.address}`);
    });
    const first = cluster.pid(0)!;
    await files.file(new RegExp(`^${first}\\.up$`));
    Deno.kill(first, "SIGKILL");
    // Its restart waits for `open`: the reload stops it as it sets up.
    const second = (await files.file(new RegExp(`^(?!${first}\\.)\\d+\\.up$`))).split(".")[0];
    const reloading = cluster.reload(0);
    // Awaited below; if the test fails first, the stop in `finally` ends it.
    reloading.catch(() => {});
    await files.file(new RegExp(`^${second}\\.stopping$`));
    await Deno.writeTextFile(`${dir}/open`, "");
    // It said `$running` during its stop work, before `$stopped`.
    await files.file(new RegExp(`^${second}\\.ran$`));
    await Deno.writeTextFile(`${dir}/stop`, "");
    await waitFor(reloading, "the reload");
    // Before, the process on its way out was announced ready (and listed
    // ready) during its stop work: every process took it for the new one.
    assert.deepEqual(events, ["exit 0", "restart 0", "reload 0", "ready 0"]);
    assert.notEqual(String(cluster.pid(0)), second);
  } finally {
    await cluster.stop();
    files.close();
    await Deno.remove(dir, { recursive: true });
  }
});
