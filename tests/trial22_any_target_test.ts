/**
 * `ANY` where it means nothing (`requestAll()`'s `to`, in a list, a reload)
 * is a `TypeError` that names it: it said "Cannot send "touch" to
 * Symbol(switchboard.any)", which names no export a user wrote.
 */

import assert from "node:assert/strict";
import { ANY, type Cluster } from "../mod.ts";
import { startCluster } from "./helpers.ts";

const SAYS_ANY = /^Cannot (send "echoRequest" to|reload) ANY: it picks one worker/;

Deno.test("ANY as requestAll()'s target, in a list, or to reload is a TypeError that names ANY", async () => {
  await using cluster: Cluster = await startCluster({ workers: 1, processes: {} });
  await assert.rejects(
    cluster.requestAll("echoRequest", {}, { to: ANY as never }),
    (error: Error) => error instanceof TypeError && SAYS_ANY.test(error.message),
  );
  assert.throws(
    () => cluster.sendMessage("echoRequest", {}, [0, ANY] as never),
    (error: Error) => error instanceof TypeError && SAYS_ANY.test(error.message),
  );
  await assert.rejects(
    cluster.reload(ANY as never),
    (error: Error) => error instanceof TypeError && SAYS_ANY.test(error.message),
  );
  // ANY as a whole target still picks a worker.
  assert.equal(cluster.sendMessage("echoRequest", {}, ANY), 1);
});
