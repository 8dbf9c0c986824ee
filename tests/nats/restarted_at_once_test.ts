/**
 * A host killed and started again at once under its name (systemd's
 * `Restart=on-failure`): its new process reads the host's subject before it
 * joins, where the others still send what they meant for the dead one, and
 * once joined says it never had those (a gap from number 0) and confirms
 * the highest it read. The sending host, which saw the name leave and
 * numbers the new process afresh from 0, must not take that gap or that
 * confirmation for its new messages: they were delivered, and a request
 * among them is answered (trial 29 saw them reported "not delivered: lost on
 * the way", and the requests failed, just after `hostJoined`).
 */

import assert from "node:assert/strict";
import { waitFor } from "../helpers.ts";
import { joinHere, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;

Deno.test({
  name:
    "a host started again at once under its name: what is sent to its new process is neither failed nor told lost for the dead one's",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using first = startHost({ cluster, host: "b", workers: 1 });
    await first.ready();
    // Worker 0 is on host b, worker 1 here.
    await using a = await joinHere(cluster, "a", { workers: 1 });
    const reports: string[] = [];
    a.onError((error) => reports.push(error.message));
    let joined = false;
    let n = 0;
    // Sent once the new process joined, each counted as handed to its host.
    const sentAfter: number[] = [];
    const ticking = setInterval(() => {
      n++;
      if (a.sendMessage("tick", { n }, 0) === 1 && joined) sentAfter.push(n);
    }, 2);
    try {
      // Thousands numbered for the dead process, read by the new one.
      while (n < 1_000) await new Promise((resolve) => setTimeout(resolve, 20));
      first.process.kill("SIGKILL");
      await waitFor(first.finished(), "host b to end");
      await using again = startHost({ cluster, host: "b", workers: 1 });
      const asked = Promise.withResolvers<{ request: Promise<unknown> }>();
      a.onLifecycle((event) => {
        if (event.type !== "hostJoined") return;
        joined = true;
        // Asked at once, as traffic does: numbered afresh, from 0.
        const request = a.request("ticksSoFar", undefined, { to: 0, timeout: 10_000 });
        request.catch(() => {});
        asked.resolve({ request });
      });
      await again.ready();
      const { request } = await waitFor(asked.promise, "host a to hear host b join again");
      await waitFor(request, "the new process's worker 0 to answer");
      await waitFor(
        (async () => {
          while (sentAfter.length < 50) await new Promise((resolve) => setTimeout(resolve, 20));
        })(),
        "50 ticks sent to the new process",
      );
      clearInterval(ticking);
      const had = new Set(
        await a.request("ticksSoFar", undefined, { to: 0, timeout: 10_000 }) as number[],
      );
      assert.deepEqual(sentAfter.filter((tick) => !had.has(tick)), [], "every tick sent it came");
      const toldLost = reports.filter((message) => /not delivered: lost on the way/.test(message));
      assert.deepEqual(toldLost, [], "none of them is told lost");
    } finally {
      clearInterval(ticking);
    }
  },
});
