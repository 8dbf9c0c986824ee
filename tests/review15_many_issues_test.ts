/**
 * Review 15: a handler's error too long for a frame is cut short so that
 * its requester learns what failed (review 13: to 1,000 characters, then
 * 100). A request that fails the target's schema is answered elsewhere
 * (`Router.#failRequest`), with every issue, and the message that lists
 * them all, uncut: data well under `maxFrameSize` whose items each fail
 * gives an answer over it, which is only reported there; the requester
 * waits out its whole timeout.
 */

import assert from "node:assert/strict";
import { Cluster, ValidationError } from "../mod.ts";
import { waitFor } from "./helpers.ts";

const WORKER = new URL("./fixtures/review15_many_issues_worker.ts", import.meta.url);

Deno.test("a request failing the target's schema with more issues than a frame holds still fails as ValidationError", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    maxFrameSize: 64 * 1024,
    requestTimeout: 60_000,
  });
  const reports: string[] = [];
  cluster.onError((error) => void reports.push(error.message));
  // 10,000 numbers: 20 KB of data; 10,000 issues, each said in the message and listed.
  const data = new Array(10_000).fill(0);
  const failed = await waitFor(
    cluster.request("listRequest", data, { to: 0 }).then(
      () => undefined,
      (error: Error) => error,
    ),
    () => `the request's failure; the manager heard: ${reports.join("; ")}`,
  );
  assert.ok(failed instanceof ValidationError, `it failed with ${failed}`);
  assert.equal(failed.action, "listRequest");
});

Deno.test("an answer failing the handler's own schema with more issues than a frame holds keeps its first issues", async () => {
  // README: "A ValidationError found by the other process, or in an answer,
  // still has its action and issues"; cut short (as a handler's error), it
  // kept none.
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    maxFrameSize: 64 * 1024,
    requestTimeout: 60_000,
  });
  const data = new Array(10_000).fill(0);
  const failed = await waitFor(
    cluster.request("listBackRequest", data, { to: 0 }).then(
      () => undefined,
      (error: Error) => error,
    ),
    "the request's failure",
  );
  assert.ok(failed instanceof ValidationError, `it failed with ${failed}`);
  assert.equal(failed.action, "listBackResponse");
  assert.ok(failed.issues.length > 0, "it says at least its first issue");
  assert.deepEqual(failed.issues[0], { message: "Expected a string", path: [0] });
});
