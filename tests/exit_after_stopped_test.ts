/**
 * A child's exit after it said `$stopped`, its stop work done. Its manager
 * may close the connection first, and the child "may then exit with code
 * 1, which the manager ignores" (README "Protocol").
 *
 * Trial 24 (a Python peer written from README): a reload ignored that code,
 * but a stop alone on SIGTERM counted it as a crash, against the restart
 * budget, so a service with `maxRestarts: 0` was given up for answering its
 * SIGTERM as asked. Review 26: the fix then took any end after `$stopped`
 * for that, a death by a signal this manager did not send included, where
 * README says "one that crashes during that stop counts the crash".
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event, waitFor } from "./helpers.ts";

/** Exits with code 1 once told to `$exit`. */
const EXITS_ONE = "trial24_exits_one_service.mjs";
/** Kills itself with SIGKILL once told to `$exit`. */
const DIES_BY_SIGNAL = "review26_dies_by_signal_service.mjs";

/** A cluster of one Node service, `fixture`, that is never restarted after a crash; its errors. */
async function startService(fixture: string): Promise<{ cluster: Cluster; errors: Error[] }> {
  const service = new URL(`./fixtures/${fixture}`, import.meta.url).pathname;
  const cluster = await Cluster.start({
    workers: 0,
    processes: { svc: { command: ["node", service] } },
    restart: { maxRestarts: 0 },
    escalate: false,
  });
  const errors: Error[] = [];
  cluster.onError((error) => void errors.push(error));
  return { cluster, errors };
}

Deno.test("a child SIGTERM'd alone that exits with code 1 after $exit is restarted, not counted as a crash", async () => {
  const { cluster, errors } = await startService(EXITS_ONE);
  await using _ = cluster;
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
  const { cluster, errors } = await startService(EXITS_ONE);
  await using _ = cluster;
  const oldPid = cluster.pid("svc")!;
  await waitFor(cluster.reload("svc"), "the reload");
  assert.notEqual(await cluster.request("pidRequest", undefined, { to: "svc" }), oldPid);
  assert.deepEqual(errors.map(String), []);
});

Deno.test("a child SIGTERM'd alone that dies by a signal after $stopped counts the crash", async () => {
  const { cluster, errors } = await startService(DIES_BY_SIGNAL);
  await using _ = cluster;
  const exited = event(cluster, "exit", "svc");
  const fatal = event(cluster, "fatal", "svc");
  Deno.kill(cluster.pid("svc")!, "SIGTERM");
  assert.deepEqual(await waitFor(exited, "the service's exit"), {
    type: "exit",
    address: "svc",
    code: 137,
    signal: "SIGKILL",
    restart: false,
  });
  await waitFor(fatal, "the service given up: maxRestarts is 0");
  assert.equal(cluster.pid("svc"), undefined);
  assert.ok(errors.length > 0, "reported to onError");
});
