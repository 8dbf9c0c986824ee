/**
 * A stream from a worker of another host that crashes mid-stream: the
 * consumer's stream fails ("the connection closed before it ended"), as
 * it should; and then the requester's manager heard, on its `onError`,
 * that messages it never sent were not delivered: "3 messages from the
 * manager of host "a" to worker 0 were not delivered: worker 0 is not
 * connected", its action "$cancel", the cancel the stream's end sent to a
 * process that was gone. Found by trial 21 (kill -9 of a worker under
 * streamed requests from another host).
 */

import assert from "node:assert/strict";
import { waitFor } from "../helpers.ts";
import { event, joinHere, knowsWorkers, natsAnswers, uniqueCluster, workersOf } from "./hosts.ts";

Deno.test({
  name: "a stream from another host's worker that crashes fails, and no control message " +
    "of it is reported undelivered",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using b = await joinHere(cluster, "b", { workers: 1 });
    await using a = await joinHere(cluster, "a", { workers: 0 });
    await knowsWorkers(a, 1);
    const [onB] = workersOf(b);
    const reports: Error[] = [];
    a.onError((error) => reports.push(error));
    const streams = [0, 1, 2].map(() =>
      a.requestStream("countStream", { count: 1_000, delay: 20 }, { to: onB, timeout: 60_000 })[
        Symbol.asyncIterator
      ]()
    );
    for (const stream of streams) await waitFor(stream.next(), "a first part");
    const back = event(b, "ready", onB);
    a.sendMessage("crash", null, onB);
    for (const stream of streams) {
      const error = await waitFor(
        (async () => {
          try {
            while (!(await stream.next()).done);
          } catch (error) {
            return error as Error;
          }
        })(),
        "the stream to fail",
      );
      assert.equal(
        error?.message,
        `Streamed request "countStream" to worker ${onB} failed: the connection closed before it ended`,
      );
    }
    await waitFor(back, `worker ${onB} to be back`);
    // Answered after whatever b's manager said of what came for the crashed process.
    await a.request("echoRequest", null, { to: onB });
    assert.deepEqual(reports.map((error) => error.message), []);
  },
});
