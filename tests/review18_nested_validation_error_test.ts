/**
 * Review 18: README's request table: "the handler throws or rejects →
 * `RemoteError`"; "the data or the answer fails its schema →
 * `ValidationError`". A handler whose own request failed its schema, and
 * that let the `ValidationError` through, failed the request it was
 * answering with a `ValidationError` naming the other action, as if that
 * request's data or answer had failed a schema. (An error a handler threw
 * named "NoHandlerError", its own request's, is a `RemoteError` already.)
 */

import assert from "node:assert/strict";
import { Cluster, MANAGER, RemoteError, type StandardSchemaV1 } from "../mod.ts";

const positive: StandardSchemaV1<number> = {
  "~standard": {
    version: 1,
    vendor: "review18",
    validate: (value) =>
      typeof value === "number" && value > 0
        ? { value }
        : { issues: [{ message: "Expected a positive number" }] },
  },
};

type Protocol = {
  outerRequest: undefined;
  outerResponse: number;
  innerRequest: number;
  innerResponse: number;
};

Deno.test("a handler's own request's ValidationError reaches its requester as a RemoteError", async () => {
  await using cluster = await Cluster.start<Protocol>({
    workers: 0,
    signals: false,
    schemas: { innerRequest: positive },
  });
  cluster.handle("innerRequest", (n) => n);
  // Its own request fails its schema at the sender: nothing sent.
  cluster.handle("outerRequest", () => cluster.request("innerRequest", -1, { to: MANAGER }));
  const error = await cluster.request("outerRequest", undefined, { to: MANAGER }).then(
    () => assert.fail("answered"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof RemoteError, `got ${error}`);
  assert.equal(error.remoteName, "ValidationError");
  assert.equal(error.action, "outerRequest");
  assert.equal(
    error.remoteMessage,
    'Data of "innerRequest" to the manager failed its schema: data: Expected a positive number',
  );
});
