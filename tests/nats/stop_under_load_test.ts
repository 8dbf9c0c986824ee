/**
 * A host stopped cleanly while another host's manager and worker send it
 * a steady stream of requests to `ANY`: every one is answered, by a worker
 * of the host that stops or, when that never ran it, by another. Before,
 * a few failed "the connection closed before it answered" in most runs of
 * a user's three-host trial (a request its worker forwarded just as the
 * host's bye was heard, or just as one of its workers ended, was taken for
 * one that had reached it).
 */

import assert from "node:assert/strict";
import { loadsThrough } from "../helpers.ts";
import { joinHere, knowsWorkers, natsAnswers, uniqueCluster, workersOf } from "./hosts.ts";

const ROUNDS = 4;

Deno.test({
  name:
    "a host stopped under a steady stream of requests to ANY from another: every one is answered",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using a = await joinHere(cluster, "a", { workers: 1 });
    const [onA] = workersOf(a);
    // The race is narrow: a few stops, each under load.
    for (let round = 0; round < ROUNDS; round++) {
      await using edge = await joinHere(cluster, "edge", { workers: 2 });
      await knowsWorkers(a, 3);
      const loads = await loadsThrough(
        a,
        { action: "echoRequest", data: null, workers: 3, from: onA },
        () => edge.stop(),
      );
      for (const [who, load] of [["manager", loads[0]], ["worker", loads[1]]] as const) {
        assert.ok(load.answered > 0, `${who}: ${JSON.stringify(load)}`);
        const what = `round ${round}, ${who}: ${load.answered} answered`;
        assert.deepEqual([load.failed, load.failures], [0, []], what);
      }
    }
  },
});
