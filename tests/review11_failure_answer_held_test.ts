/**
 * Review 11: once a child answered a sibling's `$left` (43fab3d), what it
 * sends that sibling waits for its next process, answers excepted
 * (`Outbox.sendAnswer`). But the answers the router sends itself, not
 * through a handler (`Router.#failRequest`: a request that fails the
 * receiver's schema, or one refused as the receiver stops alone), go
 * through `Outbox.send`: a request the old process sent after its
 * `$leaving` (from a handler still running in its stop work) gets its
 * failure held for the next process. The old process waits out its
 * timeout; the next one gets an answer to a request it never made.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { waitFor } from "./helpers.ts";

Deno.test("a schema failure answering a request a leaving sibling sent goes to that process, not its next one", async () => {
  await using cluster = await Cluster.start({
    worker: new URL("./fixtures/review11_schema_sibling.ts", import.meta.url),
    workers: 2,
  });
  // Worker 0 has a connection to worker 1: it is told $leaving on it.
  assert.equal(await cluster.request("pingSiblingRequest", { to: 1 }, { to: 0 }), "pong");
  const outcome = cluster.request("askAfterStopRequest", { to: 1 }, { to: 0, timeout: 9_000 });
  // Worker 0 runs that handler before it sees its $stop.
  assert.equal(await cluster.request("pingRequest", {}, { to: 0 }), "pong");
  const reload = cluster.reload(0);
  const said = String(await waitFor(outcome, "worker 0's request to worker 1"));
  await waitFor(reload, "the reload");
  assert.match(said, /refused by worker 1/, `the failure reached the process that asked: ${said}`);
});
