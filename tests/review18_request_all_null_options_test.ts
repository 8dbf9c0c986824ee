/**
 * Review 18: an option given as null counts as not given (a request's
 * `timeout: null`, `requestAll()`'s too), and `request()` given null
 * options says what it needs ("needs a target: pass { to }"). `requestAll()`
 * given null options, which it may do without (`to` defaults to every
 * worker), rejected with a bare TypeError from inside the library:
 * "Cannot read properties of null (reading 'to')"; given `to: null`, with
 * "Cannot send "statsRequest" to null".
 */

import assert from "node:assert/strict";
import { Cluster, type RequestAllOptions } from "../mod.ts";
import { WORKER } from "./helpers.ts";

Deno.test("requestAll() with null options asks every worker, as with none", async () => {
  await using cluster = await Cluster.start({ worker: WORKER, workers: 2, signals: false });
  const none = null as unknown as RequestAllOptions;
  const results = await cluster.requestAll("statsRequest", undefined, none);
  assert.deepEqual(results, [
    { from: 0, data: { connections: 10 } },
    { from: 1, data: { connections: 11 } },
  ]);
});

Deno.test("requestAll() with a null `to` asks every worker, as with none", async () => {
  await using cluster = await Cluster.start({ worker: WORKER, workers: 2, signals: false });
  const fromJson = { to: null, timeout: null, signal: null } as unknown as RequestAllOptions;
  const results = await cluster.requestAll("statsRequest", undefined, fromJson);
  assert.deepEqual(results, [
    { from: 0, data: { connections: 10 } },
    { from: 1, data: { connections: 11 } },
  ]);
});
