/**
 * SIGTERM to a child that is ready while `Cluster.start()` still waits for
 * another: the child is stopped alone and restarted, and the start waits
 * for its next process (or fails, when none comes).
 */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions } from "../mod.ts";
import { waitFor } from "./helpers.ts";

const GATED = new URL("./fixtures/review17_gated_worker.ts", import.meta.url);

/**
 * Starts two gated workers (see `review17_gated_worker.ts`) in a fresh
 * directory, and hands `during` the start and a wait for a file of that
 * directory whose name matches; removes the directory after.
 */
async function whileGatedStart(
  options: ClusterOptions,
  during: (
    starting: Promise<Cluster>,
    file: (pattern: RegExp) => Promise<string>,
    dir: string,
  ) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const watcher = Deno.watchFs(dir);
  const names = (async function* () {
    for await (const event of watcher) {
      for (const path of event.paths) yield path.slice(path.lastIndexOf("/") + 1);
    }
  })();
  const seen: string[] = [];
  const file = async (pattern: RegExp): Promise<string> => {
    const found = seen.find((name) => pattern.test(name));
    if (found !== undefined) return found;
    while (true) {
      const { value } = await waitFor(names.next(), `a file ${pattern}`);
      seen.push(value!);
      if (pattern.test(value!)) return value!;
    }
  };
  const starting = Cluster.start({
    worker: GATED,
    workers: 2,
    args: [dir],
    permissions: { read: [dir], write: [dir] },
    ...options,
  });
  try {
    await during(starting, file, dir);
  } finally {
    // Whatever happened, the start ends: worker 1 may be ready now.
    await Deno.writeTextFile(`${dir}/open1`, "");
    await Deno.writeTextFile(`${dir}/open0`, "");
    await waitFor(starting.then((cluster) => cluster.stop(), () => {}), "the start to end");
    watcher.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The pid in a file name of `review17_gated_worker.ts` (`<id>.<pid>.<what>`). */
const pidIn = (name: string) => Number(name.split(".")[1]);

Deno.test("a child SIGTERM'd while Cluster.start() waits is restarted, and the start waits for its next process", async () => {
  await whileGatedStart({ restart: { backoff: 10 } }, async (starting, file, dir) => {
    const first = pidIn(await file(/^0\.\d+\.ran$/));
    Deno.kill(first, "SIGTERM");
    // Its next process waits for `open0`; worker 1 is let go first.
    const next = pidIn(await file(new RegExp(`^0\\.(?!${first}\\.)\\d+\\.up$`)));
    await Deno.writeTextFile(`${dir}/open1`, "");
    await file(/^1\.\d+\.ran$/);
    await Deno.writeTextFile(`${dir}/open0`, "");
    const cluster = await waitFor(starting, "the start");
    // Before, the start resolved as worker 1 became ready: worker 0's
    // restart was still starting, though its first process had been ready.
    assert.deepEqual(
      cluster.stats().children.map(({ state, pid }) => ({ state, pid })),
      [{ state: "ready", pid: next }, { state: "ready", pid: cluster.pid(1) }],
    );
  });
});

Deno.test("with restart: false, a child SIGTERM'd while Cluster.start() waits fails the start", async () => {
  await whileGatedStart({ restart: false }, async (starting, file) => {
    Deno.kill(pidIn(await file(/^0\.\d+\.ran$/)), "SIGTERM");
    // Before, the start went on waiting for worker 1, then resolved without worker 0.
    await assert.rejects(waitFor(starting, "the start to fail"), {
      name: "SwitchboardError",
      message:
        "worker 0 was stopped alone (SIGTERM) before the cluster had started, and is not restarted (restart: false)",
    });
  });
});
