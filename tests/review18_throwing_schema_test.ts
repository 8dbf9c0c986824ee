/**
 * Review 18: a schema that throws fails the data it checks ("its schema
 * threw: …"), at the sender or the receiver, as README's Validation says of
 * a failed check. One that threw what `String()` cannot convert (an object
 * without a prototype) threw out of the check instead: at the receiver, out
 * of the frame's delivery, which closed the connection it came on, failing
 * every request in flight on it; at the sender, as a bare `TypeError`.
 */

import assert from "node:assert/strict";
import { Cluster, MANAGER, type StandardSchemaV1, ValidationError } from "../mod.ts";
import { waitFor } from "./helpers.ts";

const WORKER = new URL("./fixtures/review18_throwing_schema_worker.ts", import.meta.url);

const throwing: StandardSchemaV1<number> = {
  "~standard": {
    version: 1,
    vendor: "review18",
    validate: () => {
      throw Object.create(null);
    },
  },
};

Deno.test("a schema that throws an object without a prototype fails the data at the receiver, and the connection stays", async () => {
  await using cluster = await Cluster.start({ worker: WORKER, workers: 1, signals: false });
  const held = cluster.request("holdRequest", undefined, { to: 0 }).catch((error) => error);
  const odd = await cluster.request("oddRequest", 1, { to: 0 }).then(
    () => assert.fail("answered"),
    (error: unknown) => error,
  );
  assert.ok(odd instanceof ValidationError, `got ${odd}`);
  assert.equal(odd.issues[0]?.message, "its schema threw: [object Object]");
  // The request in flight on the same connection is still answered.
  cluster.sendMessage("release", undefined, 0);
  assert.equal(await waitFor(held, "the held request's answer"), "released");
});

Deno.test("a schema that throws an object without a prototype fails the data at the sender", async () => {
  await using cluster = await Cluster.start<{ oddRequest: number; oddResponse: number }>({
    workers: 0,
    signals: false,
    schemas: { oddRequest: throwing },
  });
  await assert.rejects(
    cluster.request("oddRequest", 1, { to: MANAGER }),
    (error: unknown) =>
      error instanceof ValidationError &&
      error.message ===
        'Data of "oddRequest" to the manager failed its schema: data: its schema threw: [object Object]',
  );
});
