/**
 * Trial 24 (a Python peer written from README "Protocol"): after `$exit`
 * the manager may close its connection before the child is done, and the
 * child "may then exit with code 1, which the manager ignores, as it asked
 * it to go". A reload ignored it; a stop alone on SIGTERM counted it as a
 * crash: against the restart budget, so a service with `maxRestarts: 0`
 * was given up for answering its SIGTERM as asked.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event, waitFor } from "./helpers.ts";

const SERVICE = new URL("./fixtures/trial24_exits_one_service.mjs", import.meta.url).pathname;

Deno.test("a child SIGTERM'd alone that exits with code 1 after $exit is restarted, not counted as a crash", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { svc: { command: ["node", SERVICE] } },
    restart: { maxRestarts: 0 },
    escalate: false,
  });
  const errors: Error[] = [];
  cluster.onError((error) => void errors.push(error));
  const exited = event(cluster, "exit", "svc");
  const ready = event(cluster, "ready", "svc");
  const oldPid = cluster.pid("svc")!;
  Deno.kill(oldPid, "SIGTERM");
  assert.deepEqual(await exited, {
    type: "exit",
    address: "svc",
    code: 1,
    signal: null,
    restart: true,
  });
  await waitFor(ready, "the service's next process");
  const pid = await cluster.request("pidRequest", undefined, { to: "svc" });
  assert.notEqual(pid, oldPid);
  assert.deepEqual(errors.map(String), []);
});

Deno.test("a reloaded child that exits with code 1 after $exit is no crash either", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { svc: { command: ["node", SERVICE] } },
    restart: { maxRestarts: 0 },
    escalate: false,
  });
  const errors: Error[] = [];
  cluster.onError((error) => void errors.push(error));
  const oldPid = cluster.pid("svc")!;
  await waitFor(cluster.reload("svc"), "the reload");
  assert.notEqual(await cluster.request("pidRequest", undefined, { to: "svc" }), oldPid);
  assert.deepEqual(errors.map(String), []);
});
