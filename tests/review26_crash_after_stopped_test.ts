/**
 * Review 26 (167b35f): a child SIGTERM'd alone that exits with code 1
 * after `$stopped` is no crash (README "Protocol": its manager may close
 * the connection first, and the child exits with code 1, "which the
 * manager ignores once the child said `$stopped`"). But any end after
 * `$stopped` was taken for that, a death by a signal this manager did not
 * send included, where README says "one that crashes during that stop
 * counts the crash": a child that crashed as it answered its last requests
 * was restarted against no budget.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event, waitFor } from "./helpers.ts";

const SERVICE = new URL("./fixtures/review26_dies_by_signal_service.mjs", import.meta.url)
  .pathname;

Deno.test("a child SIGTERM'd alone that dies by a signal after $stopped counts the crash", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { svc: { command: ["node", SERVICE] } },
    restart: { maxRestarts: 0 },
    escalate: false,
  });
  const errors: Error[] = [];
  cluster.onError((error) => void errors.push(error));
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
