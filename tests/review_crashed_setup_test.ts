/**
 * Review: since 91099c3 what a sibling holds for a process being reloaded
 * goes once its next process listens, not once it is ready. If that
 * process dies before it is ready (its setup crashes: a bad deploy), what
 * it held dies with it, and the sender is never told (README now says so,
 * f1d6f01). Before, the hold waited for a process of it that was ready,
 * and the message reached the one restarted after the crash. The promise
 * is: delivered, or refused where the sender sees it.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import {
  event,
  fileAppears,
  nextMessage,
  remote,
  serviceIn,
  WAIT,
  waitFor,
  WORKER,
} from "./helpers.ts";

Deno.test("a message held for a reloaded sibling whose next process crashes before it is ready is delivered or reported", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-crashed-setup-" });
  try {
    await using cluster = await Cluster.start({
      worker: WORKER,
      workers: 1,
      processes: { svc: serviceIn(dir, "crashing_setup_service.ts") },
      restart: { backoff: 50 },
    });
    cluster.onError(() => {});
    // Its own deadline is the wait below.
    const noted = nextMessage(cluster, "noted", () => true, 60_000);
    // Made before the reload, so that "waiting" cannot come unseen.
    using watcher = Deno.watchFs(dir);
    const reload = cluster.reload("svc").catch((error) => error);
    // The old process is gone, the next not connected: worker 0 heard the reload.
    await fileAppears(watcher, "waiting");
    const sent = await remote(cluster, 0, { op: "send", action: "note", data: 1, to: "svc" });
    assert.deepEqual(sent, { ok: 1 }, "held for svc's next process, and counted");
    const ready = event(cluster, "ready", "svc");
    await Deno.writeTextFile(`${dir}/go`, "");
    await waitFor(reload, "the reload to end");
    // The process restarted after the crash is ready.
    await waitFor(ready, "svc's third process to be ready");
    // Precondition: the note was in the process that crashed (since 91099c3 it is).
    const holding = await Deno.lstat(`${dir}/crashed-holding-true`).then(() => true, () => false);
    const told = remote(cluster, 0, { op: "errors", atLeast: 1 }).then((errors) => ({ errors }));
    const outcome = await waitFor(
      Promise.race([noted.then((message) => ({ noted: message.data })), told]),
      "the note to reach svc, or worker 0 to be told it was lost (it was lost in silence)",
      WAIT,
    ).catch((error) => ({ silent: String(error) }));
    assert.ok(!("silent" in outcome), `${JSON.stringify(outcome)}; crashed holding it: ${holding}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
