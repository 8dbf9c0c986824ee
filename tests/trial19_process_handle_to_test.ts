/**
 * README (Errors and limits): an option that `request()` does not take is a
 * `TypeError`, "rather than leave the default in force unnoticed". A
 * service's handle, `getProcess(name).request(action, data, options?)`,
 * takes its target from the name; a `to` in its options was dropped without
 * a word, so code that meant another process asked the service (trial 19).
 */

import assert from "node:assert/strict";
import type { RequestOptions } from "../mod.ts";
import { startCluster } from "./helpers.ts";

Deno.test("getProcess(name).request() refuses a `to` option with a TypeError, and sends nothing", async () => {
  await using cluster = await startCluster({ workers: 1 });
  const logger = cluster.getProcess("logger");
  const options = { to: 0, timeout: 1_000 } as unknown as Omit<RequestOptions, "to">;
  await assert.rejects(
    logger.request("echoRequest", { n: 1 }, options),
    (error: unknown) =>
      error instanceof TypeError &&
      error.message ===
        'Request "echoRequest" to service "logger" takes no "to": its target is the service',
  );
  assert.equal(cluster.stats().pendingRequests, 0);
});
