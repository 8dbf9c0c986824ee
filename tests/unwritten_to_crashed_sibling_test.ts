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
import { nextMessage, waitFor } from "./helpers.ts";
import { racingSenders, sendToKilled } from "./racing_senders.ts";

Deno.test("a message counted on a connection to a sibling that crashed unheard is delivered or reported", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-unwritten-" });
  try {
    await using cluster = await racingSenders(dir, 100);
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
    const { count, killed: oldPid } = await sendToKilled(cluster, dir);
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
