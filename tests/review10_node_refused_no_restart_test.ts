/**
 * Review 10: README "Waiting for a replacement": the wait "fails with …
 * `UnreachableError` when none comes (restarts off, given up, its host
 * left: `… worker 0 stopped, and no new process replaced it`)", and README
 * says the Node peer sends a refused request to the next process "as a
 * Deno child does". With `restart: false`, a worker SIGTERM'd alone
 * "stays down": every process hears `exit` with `restart: false`, and no
 * `fatal` (src/supervisor.ts restartAlone). The Node peer waits only for
 * `ready` or `fatal` (peers/node/switchboard_peer.mjs `#sendWaiting`), so
 * its request refused by that worker waits out its whole timeout (for
 * ever with `timeout: Infinity`), while a Deno worker's same request fails
 * at once.
 */

import assert from "node:assert/strict";
import { Cluster, type LifecycleEvent } from "../mod.ts";
import { hold, nextEvent, nextMessage, remote, waitFor, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

Deno.test("a Node service's refused request fails once the worker exits not to be restarted", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 2,
    restart: false,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
  const ask = (from: number | string) =>
    remote(cluster, from, {
      op: "request",
      action: "echoRequest",
      data: 1,
      to: 0,
      timeout: 60_000,
    });
  // Both know worker 0 already.
  assert.equal(((await ask("node")) as { ok: { by: unknown } }).ok.by, 0);
  assert.equal(((await ask(1)) as { ok: { by: unknown } }).ok.by, 0);
  // Worker 0 holds a request, so its stop work is not done while the test asks.
  const [held] = await hold(cluster, [0]);
  const goodbye = nextMessage(cluster, "goodbye", (m) => (m.data as { by: unknown }).by === 0);
  const exited = nextEvent<LifecycleEvent>(
    (listener) => cluster.onLifecycle(listener),
    "worker 0's exit",
    (event) => event.type === "exit" && event.address === 0,
  );
  Deno.kill(cluster.pid(0)!, "SIGTERM");
  await goodbye; // Its stop handlers ran: it refuses new requests.
  const fromWorker = ask(1);
  const fromNode = ask("node");
  // Answered after the requests above began: both were made by now, while
  // worker 0 still runs (it holds a request), and refused by it, or waiting
  // from the start as it said $leaving. (A message sent to it now would
  // wait in the sender for its next process: README "Waiting for a
  // replacement".)
  await remote(cluster, "node", { op: "pid" });
  await remote(cluster, 1, { op: "pid" });
  cluster.sendMessage("release", {}, 0);
  await held;
  assert.equal((await exited as { restart?: boolean }).restart, false);

  const workerOutcome = await waitFor(fromWorker, "worker 1's request") as {
    error?: { name: string; message: string };
  };
  assert.equal(workerOutcome.error?.name, "UnreachableError", JSON.stringify(workerOutcome));
  const nodeOutcome = await waitFor(
    fromNode,
    "the Node service's request to fail as worker 1's did (it waits out its 60 s timeout)",
  ) as { error?: { name: string; message: string } };
  assert.equal(nodeOutcome.error?.name, "UnreachableError", JSON.stringify(nodeOutcome));
});
