/**
 * Review 10: a request the Node peer queued on a dial that closed before
 * its `$welcome` was never written (peers/node/connection.mjs keeps it
 * behind the `$hello`; `takeUnsent()` counts it, and the endpoint reports
 * it "not delivered"). The request itself fails as if it had reached the
 * process and may have run: "the connection closed before it answered"
 * (peers/node/endpoint.mjs `#onClosed` says nothing of it to `gone`, and
 * `fateOf` takes it as reached). Switchboard's endpoint says such a link
 * delivered nothing (src/unix/endpoint.ts `#onClosed`: `undelivered:
 * Infinity`: "the connection to it did not open", sent again where it may
 * go), and a Deno worker's same request fails as not delivered ("it is
 * not connected", worker 1 having crashed).
 */

import assert from "node:assert/strict";
import { Cluster, type LifecycleEvent } from "../mod.ts";
import { nextEvent, remote, waitFor, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

type Outcome = { ok?: unknown; error?: { name: string; message: string } };

Deno.test("a Node service's request on a dial never welcomed fails as not delivered", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 2,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
  // Worker 1 accepts nothing now: a dial to it connects (the kernel's
  // backlog) and waits for a welcome that never comes.
  const pid = cluster.pid(1)!;
  Deno.kill(pid, "SIGSTOP");
  const ask = (from: number | string) =>
    remote(cluster, from, {
      op: "request",
      action: "echoRequest",
      data: 1,
      to: 1,
      timeout: 60_000,
    }) as Promise<Outcome>;
  const fromNode = ask("node");
  const fromWorker = ask(0);
  // Both have dialed (each has its request queued behind its hello): the
  // Node peer answers another op after it, worker 0 too.
  await remote(cluster, "node", { op: "pid" });
  await remote(cluster, 0, { op: "pid" });
  const ready = nextEvent<LifecycleEvent>(
    (listener) => cluster.onLifecycle(listener),
    "worker 1 ready again",
    (event) => event.type === "ready" && event.address === 1,
  );
  Deno.kill(pid, "SIGKILL");
  const worker = await waitFor(fromWorker, "worker 0's request");
  const node = await waitFor(fromNode, "the Node service's request");
  await ready;
  assert.equal(worker.error?.name, "UnreachableError", JSON.stringify(worker));
  // It was not delivered: not said to have reached worker 1 ("it is not
  // connected", once the manager said worker 1 crashed; or "the connection
  // to it did not open").
  assert.doesNotMatch(worker.error!.message, /the connection closed before it answered/);
  assert.equal(node.error?.name, "UnreachableError", JSON.stringify(node));
  assert.doesNotMatch(
    node.error!.message,
    /the connection closed before it answered/,
    "nothing of it was written: it did not run",
  );
});
