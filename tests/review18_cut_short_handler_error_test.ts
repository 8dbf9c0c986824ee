/**
 * Review 18: an error answer named "NoHandlerError" without a stack is
 * Switchboard's own "nobody listens here"; one a handler threw under that
 * name (its own request's, rethrown) has its stack, and reaches the
 * requester as a `RemoteError` (README, Protocol). Cut short to fit a frame,
 * a handler's error lost its stack, so the requester took it for nobody
 * listening: `NoHandlerError`, "it has no handler for "outerRequest"", of a
 * handler that ran and failed.
 */

import assert from "node:assert/strict";
import { Cluster, MANAGER, NoHandlerError, RemoteError } from "../mod.ts";

/** An action nobody handles, whose name makes its NoHandlerError too long for a 4 KiB frame. */
const UNHANDLED = `unhandled${"x".repeat(2000)}Request`;

Deno.test("a handler's NoHandlerError cut short to fit a frame still reaches the requester as a RemoteError", async () => {
  await using cluster = await Cluster.start({ workers: 0, signals: false, maxFrameSize: 4096 });
  let inner: unknown;
  cluster.handle("outerRequest", async () => {
    try {
      return await cluster.request(UNHANDLED, {}, { to: MANAGER });
    } catch (error) {
      inner = error;
      throw error;
    }
  });
  const error = await cluster.request("outerRequest", {}, { to: MANAGER }).then(
    () => assert.fail("answered"),
    (error: unknown) => error,
  );
  assert.ok(inner instanceof NoHandlerError, `the handler's own request failed: ${inner}`);
  assert.ok(error instanceof RemoteError, `got ${error}`);
  assert.equal(error.remoteName, "NoHandlerError");
  const start = `Request "${UNHANDLED}`.slice(0, 1000);
  assert.match(error.remoteMessage, new RegExp(`^${start}… \\(\\d+ more characters\\)$`));
  assert.equal(error.remoteStack, undefined, "cut short: no stack");
});

const NODE_SERVICE = new URL("./fixtures/review18_node_no_handler_service.mjs", import.meta.url)
  .pathname;

Deno.test("a Node service's NoHandlerError cut short to fit a frame reaches the requester as a RemoteError", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    signals: false,
    processes: { node: { command: ["node", NODE_SERVICE] } },
    maxFrameSize: 64 * 1024,
  });
  const error = await cluster.request("nestedRequest", undefined, { to: "node" }).then(
    () => assert.fail("answered"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof RemoteError, `got ${error}`);
  assert.equal(error.remoteName, "NoHandlerError");
  assert.ok(error.remoteMessage.startsWith('Request "xxx'), error.remoteMessage.slice(0, 100));
  assert.equal(error.remoteStack, undefined, "cut short: no stack");
});
