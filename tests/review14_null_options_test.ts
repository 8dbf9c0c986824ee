/**
 * Review 14: an option given as null, from a JSON config, counts as not
 * given: "An option given as undefined (or null, from a JSON config) keeps
 * its default, as at the top level" (`restartPolicy`), as `restart: null`
 * and a request's `timeout: null` do. Today's checks of booleans, `flags`,
 * `args` and `permissions` in `Cluster.start()`, and of `ready` in
 * `connect()`, refuse null with a TypeError, where it started as not given
 * before.
 */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions } from "../mod.ts";
import { SERVICE, WORKER } from "./helpers.ts";

const CONNECTING = new URL("./fixtures/misspelt_connect_worker.ts", import.meta.url);

/** Options as a JSON config gives them: null where nothing was set. */
function fromJson(options: Record<string, unknown>): ClusterOptions {
  return options as ClusterOptions;
}

Deno.test("Cluster.start() takes null booleans, flags, args and permissions as not given", async () => {
  const cluster = await Cluster.start(fromJson({
    worker: WORKER,
    workers: 1,
    escalate: null,
    signals: null,
    ready: null,
    labelOutput: null,
    reusePort: null,
    flags: null,
    args: null,
    permissions: null,
  }));
  await cluster.stop();
});

Deno.test("Cluster.start() takes a null grant, and a service's null flags, args and permissions, as not given", async () => {
  const cluster = await Cluster.start(fromJson({
    workers: 0,
    permissions: { read: null, net: null },
    processes: { logger: { module: SERVICE, flags: null, args: null, permissions: null } },
  }));
  await cluster.stop();
});

Deno.test("connect({ ready: null }) marks ready as by default", async () => {
  const cluster = await Cluster.start({
    worker: CONNECTING,
    workers: 1,
    args: [JSON.stringify({ ready: null })],
  });
  // Started: the worker joined, and said it was ready once its connect() resolved.
  assert.equal(cluster.stats().children.length, 1);
  await cluster.stop();
});
