/**
 * A worker's answer to another host, held in its manager for room in the
 * window, and its whole host stopping: the manager stopped reading the
 * other hosts once its children were gone, then closed its link, the
 * answer still held. Room in the window comes only as the other host
 * confirms what it had, heard only while the manager reads: the answer was
 * refused as the link closed, to a worker gone by then, and the request
 * failed with the stop. Host b's link here says its window to host a is
 * full until the test sees worker 0 stopped (host b's children are gone),
 * and makes no room once host b stopped reading, as a real window would not.
 */

import assert from "node:assert/strict";
import { stateIs, waitFor } from "../helpers.ts";
import { natsAnswers, quietBeside, uniqueCluster } from "./hosts.ts";
import { NarrowedWindow } from "./narrowed_window.ts";

Deno.test({
  name: "an answer held for room in the window reaches the other host though its whole host stops",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    const narrowed = new NarrowedWindow(0);
    const b = await narrowed.join(cluster);
    let stopped: Promise<void> | undefined;
    try {
      await using a = await quietBeside(cluster, b);
      narrowed.full = true;
      const answer = a.request("echoRequest", "x", { to: 0, timeout: 20_000 });
      answer.catch(() => {});
      await waitFor(narrowed.refused.promise, "worker 0's answer to find the window full");
      stopped = b.stop();
      // Once its children are gone, the manager stopped reading the other
      // hosts before (in the same turn): host a's confirmation came too late.
      await stateIs(b, 0, "stopped");
      narrowed.confirmed.resolve();
      const answered = await waitFor(answer, "the answer");
      assert.equal((answered as { data: string }).data, "x");
      await waitFor(stopped, "host b to stop");
    } finally {
      await (stopped ?? b[Symbol.asyncDispose]());
    }
  },
});
