/**
 * A request whose signal aborts as its data is encoded (the caller's
 * toJSON aborts it) rejects with the signal's reason and is not sent, as a
 * Deno process's does since c2424a1 (tests/review18_abort_while_encoding_test.ts).
 * The Node reference peer checked the signal before the encoding only, and
 * listened for an abort already past: the request was sent, and answered.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";

const SERVICE =
  new URL("./fixtures/review20_node_abort_encoding_service.mjs", import.meta.url).pathname;

Deno.test("the Node peer's request whose signal aborts as its data is encoded is not sent", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { node: { command: ["node", SERVICE] } },
  });
  const asked: unknown[] = [];
  cluster.handle("echoRequest", (data) => {
    asked.push(data);
    return data;
  });
  assert.deepEqual(
    await cluster.request("askRequest", null, { to: "node" }),
    { rejected: "aborted as it was encoded" },
  );
  assert.deepEqual(asked, []);
});
