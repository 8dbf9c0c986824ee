/**
 * Review 10: requestAll() now checks its timeout once, up front
 * (src/requester.ts `requestAll`: `if (options.timeout !== undefined)
 * checkTimeout(…)`), where each request() checked it before with
 * `options.timeout ?? requestTimeout`. A `timeout: null` (from JavaScript,
 * or options built from a config file) is the default to request(), and
 * was to requestAll() until this change; requestAll() now rejects it:
 * `Request "pingRequest" has an invalid timeout: null`.
 */

import assert from "node:assert/strict";
import { Cluster, MANAGER, type RequestAllOptions, type RequestOptions } from "../mod.ts";

Deno.test("requestAll() takes a null timeout as the default, as request() does", async () => {
  await using cluster = await Cluster.start({ workers: 0, signals: false });
  cluster.handle("pingRequest", () => "pong");
  const one = { to: MANAGER, timeout: null } as unknown as RequestOptions;
  assert.equal(await cluster.request("pingRequest", null, one), "pong");
  const all = { to: [MANAGER], timeout: null } as unknown as RequestAllOptions;
  assert.deepEqual(await cluster.requestAll("pingRequest", null, all), [
    { from: MANAGER, data: "pong" },
  ]);
});
