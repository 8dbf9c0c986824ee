/**
 * Review 36: a message a worker sends a sibling on a connection it had
 * opened before, after that sibling crashed and before the sender heard
 * (its event loop was busy), is counted (`sendMessage` returns 1: the
 * connection still looks open) but never written: the write fails on the
 * dead socket. It reaches the sibling's next process, or the sender's
 * `onError` says it was not delivered. Before, it was dropped in silence
 * (a chaos run: a worker blocked for 700 ms while its peer was killed by
 * the watchdog and restarted; its first send after was counted and lost,
 * the next ones reached the new process).
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event, fileAppears, nextMessage, waitFor } from "./helpers.ts";

Deno.test("a message counted on a connection to a sibling that crashed unheard is delivered or reported", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-unwritten-" });
  try {
    await using cluster = await Cluster.start({
      worker: new URL("./fixtures/racing_sender.ts", import.meta.url),
      workers: 2,
      args: [dir],
      permissions: { read: [dir], write: [dir] },
      restart: { maxRestarts: 5, period: 60_000, backoff: 100 },
    });
    // Worker 1 opens its connection to worker 0 with a first note.
    const first = nextMessage(cluster, "noted");
    const opened = await cluster.request("sendWhenGoneRequest", {
      to: 0,
      path: `${dir}/nothing`,
    }, { to: 1 });
    assert.equal(opened, 1);
    await first;
    // Then it is busy until worker 0's socket file is gone (it crashed),
    // and sends on the connection it still takes for open.
    const outcome = Promise.withResolvers<{ noted: unknown } | { reported: unknown }>();
    const offNoted = cluster.on("noted", (noted) => outcome.resolve({ noted }));
    const offReported = cluster.on("reported", (reported) => outcome.resolve({ reported }));
    using watcher = Deno.watchFs(dir);
    const count = cluster.request("sendWhenGoneRequest", {
      to: 0,
      path: `${cluster.socketDir}/w0.sock`,
    }, { to: 1 });
    await waitFor(fileAppears(watcher, "busy"), "worker 1 to be busy");
    const oldPid = cluster.pid(0);
    const exited = event(cluster, "exit", 0);
    Deno.kill(oldPid!, "SIGKILL");
    await waitFor(exited, "worker 0 to exit");
    const counted = await waitFor(count, "the send");
    if (counted === 0) return offNoted(), offReported(); // Refused at the call: seen by the sender.
    const seen = await waitFor(outcome.promise, "the note to arrive, or a report that it did not")
      .finally(() => (offNoted(), offReported()));
    if ("noted" in seen) {
      const { data, pid } = seen.noted as { data: string; pid: number };
      assert.equal(data, "hello");
      assert.notEqual(pid, oldPid, "the new process took it");
    } else {
      assert.match(String((seen.reported as { message: string }).message), /"note" to worker 0/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
