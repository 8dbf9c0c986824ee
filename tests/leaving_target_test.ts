/**
 * A message a sibling sends a process as it leaves for a reload goes to
 * its next process once the old one cannot be reached: it was counted as
 * handed over. So does one sent on a connection that closes before it
 * opens (the old process went as it was dialed).
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import {
  event,
  fileAppears,
  nextMessage,
  remote,
  sendAsWorker0Goes,
  serviceIn,
  startCluster,
  WAIT,
  waitFor,
} from "./helpers.ts";

/** Two workers of `fixtures/leaving_target.ts` that share `dir`. */
function leavingTargets(dir: string): Promise<Cluster> {
  return Cluster.start({
    worker: new URL("./fixtures/leaving_target.ts", import.meta.url),
    workers: 2,
    args: [dir],
    permissions: { read: [dir], write: [dir] },
  });
}

Deno.test("a message dialed as its target leaves for a reload reaches the next process", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-leaving-" });
  try {
    await using cluster = await leavingTargets(dir);
    const errors: Error[] = [];
    cluster.onError((error) => void errors.push(error));
    cluster.on("reported", (error) => void errors.push(new Error(String(error))));
    const oldPid = cluster.pid(0);
    const noted = nextMessage(cluster, "noted");
    // Worker 1 never talked to worker 0: it dials now, and the dial opens
    // only once the old worker 0 (which waits for the send) is gone.
    const { count, reload } = await sendAsWorker0Goes(cluster);
    assert.equal(count, 1);
    await waitFor(reload, "the reload");
    const { data } = await noted;
    assert.deepEqual((data as { data: string }).data, "hello");
    assert.notEqual((data as { pid: number }).pid, oldPid, "the old process was gone");
    assert.deepEqual(errors, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a message dialed as its target leaves reaches the next process, ready before the sender heard", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-leaving-" });
  try {
    await using cluster = await leavingTargets(dir);
    const errors: Error[] = [];
    cluster.onError((error) => void errors.push(error));
    // Reported lost, it is never noted: the first of the two says.
    const outcome = Promise.withResolvers<{ data: unknown }>();
    cluster.on("noted", (data) => outcome.resolve({ data }));
    cluster.on("reported", (error) => outcome.reject(new Error(String(error))));
    outcome.promise.catch(() => {}); // Awaited below.
    const reloading = event(cluster, "reload", 0);
    const reload = cluster.reload(0);
    await waitFor(reloading, "the reload to begin");
    // Worker 1 stays busy until the new worker 0 is ready: it learns that
    // its dial failed only once the new process listens. The old worker 0
    // waits for it meanwhile, and is killed at its stopTimeout.
    const ready = event(cluster, "ready", 0);
    const count = cluster.request("sendUntilGoneRequest", {
      to: 0,
      path: `${cluster.socketDir}/w0.sock`,
      until: "go",
    }, { to: 1 });
    await waitFor(ready, "the new worker 0", 2 * WAIT);
    await Deno.writeTextFile(`${dir}/go`, "");
    assert.equal(await waitFor(count, "the send"), 1);
    await waitFor(reload, "the reload");
    const { data } = await waitFor(outcome.promise, "the note", 3 * WAIT);
    assert.deepEqual((data as { data: string }).data, "hello");
    // The old worker 0, kept waiting, was killed: nothing else went wrong.
    assert.deepEqual(errors.filter((error) => error.name !== "SwitchboardError"), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("messages to a sibling being reloaded, whose old process is gone, wait for its new one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-gate-" });
  try {
    const gated = serviceIn(dir, "gated_service.ts");
    await using cluster = await startCluster({ workers: 1, processes: { gated } });
    using watcher = Deno.watchFs(dir);
    const reloaded = cluster.reload("gated");
    // The old process is gone, and the new one does not listen until "open".
    await fileAppears(watcher, "waiting");
    // Worker 0 heard of the reload first: the manager told it before it stopped the old one.
    const sent = [1, 2].map((note) =>
      remote(cluster, 0, { op: "send", action: "note", data: note, to: "gated" })
    );
    assert.deepEqual(await Promise.all(sent), [{ ok: 1 }, { ok: 1 }]);
    await Deno.writeTextFile(`${dir}/open`, "");
    await waitFor(reloaded, "the reload");
    assert.deepEqual(
      await remote(cluster, 0, { op: "request", action: "notesRequest", to: "gated" }),
      { ok: [1, 2] },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
