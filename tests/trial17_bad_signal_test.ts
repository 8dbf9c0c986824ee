/**
 * Trial 17: README, Errors and limits: invalid arguments throw `TypeError`,
 * and "a bad frame or handler never takes down others' traffic". A request
 * whose `signal` is not an `AbortSignal` (an `AbortController` passed by
 * mistake, say) was sent anyway, rejected with a bare "signal.addEventListener
 * is not a function", and left an entry in the open-request table that threw
 * when its answer came: the manager then closed its connection to the
 * worker, failing another request in flight there and every later one.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { waitFor, WORKER } from "./helpers.ts";

Deno.test("request() with a signal that is not an AbortSignal throws TypeError, and harms no other traffic", async () => {
  await using cluster = await Cluster.start({ worker: WORKER, workers: 1 });
  const errors: string[] = [];
  cluster.onError((error) => void errors.push(error.message));
  // Its failure is read at the end, not left unhandled meanwhile.
  const held = cluster.request("holdRequest", {}, { to: 0 }).catch((error: Error) => error.message);
  await cluster.request("echoRequest", {}, { to: 0 });

  const controller = new AbortController();
  const notASignal = controller as unknown as AbortSignal;
  const attempts = [
    () => cluster.request("echoRequest", { n: 1 }, { to: 0, signal: notASignal }),
    () => cluster.requestAll("echoRequest", { n: 2 }, { signal: notASignal }),
    async () => {
      for await (
        const _ of cluster.requestStream("echoRequest", {}, { to: 0, signal: notASignal })
      ) {
        // Not reached.
      }
    },
  ];
  for (const attempt of attempts) {
    await assert.rejects(attempt, (error: Error) => {
      assert.ok(error instanceof TypeError, `${error.name}: ${error.message}`);
      assert.match(error.message, /"echoRequest".*signal/);
      return true;
    });
  }

  // The worker's connection is whole: what was in flight there, and what comes next, is answered.
  const after = await waitFor(cluster.request("echoRequest", { n: 3 }, { to: 0 }), "an answer");
  assert.deepEqual((after as { data: unknown }).data, { n: 3 });
  cluster.sendMessage("release", {}, 0);
  assert.equal(await waitFor(held, "the held request"), "released");
  assert.deepEqual(errors, []);
});
