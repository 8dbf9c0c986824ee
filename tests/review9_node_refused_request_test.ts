/**
 * Review 9: README "Waiting for a replacement": "A request for a process
 * being replaced waits for the new one": a request a worker stopping
 * alone refused (`error.stopping: true`, README "Protocol", Stopping
 * alone: "so that the requester may send it to another worker") goes to
 * its new process once that is ready. README lists what the Node
 * reference peer leaves out (streamed answers, backpressure, schemas, the
 * start's wait, `managerOf(host)`); this is not among them, and "its
 * errors have the names of Switchboard's". Its `request()` takes the
 * refusal as a handler's failure (peers/node/switchboard_peer.mjs
 * `#answer` never reads `stopping`): a `RemoteError`, "ClosedError:
 * worker 0 is stopping", while a Deno worker's same request, made at the
 * same moment, waits and is answered by the new worker 0.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event, hold, nextMessage, remote, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

Deno.test("a Node service's request to a worker being reloaded waits for its new process", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 2,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
  const ask = (from: number | string) =>
    remote(cluster, from, { op: "request", action: "echoRequest", data: 1, to: 0 });
  // Both know worker 0 already.
  assert.deepEqual(((await ask("node")) as { ok: { by: unknown } }).ok.by, 0);
  assert.deepEqual(((await ask(1)) as { ok: { by: unknown } }).ok.by, 0);
  // Worker 0's reload waits on a request it holds: it refuses new ones meanwhile,
  // from right after its stop handlers ran (its goodbye is sent in one).
  const [held] = await hold(cluster, [0]);
  const goodbye = nextMessage(cluster, "goodbye", (m) => (m.data as { by: unknown }).by === 0);
  const reloaded = cluster.reload(0);
  await goodbye;
  const fromWorker = ask(1);
  const fromNode = ask("node");
  // Sent behind them: the old worker 0 finishes, exits, and its new process starts.
  cluster.sendMessage("release", {}, 0);
  await held;
  await reloaded;
  const workerOutcome = await fromWorker as { ok?: { by: unknown } };
  assert.equal(workerOutcome.ok?.by, 0, "worker 1's request waited for the new worker 0");
  const nodeOutcome = await fromNode as { ok?: { by: unknown } };
  assert.equal(
    nodeOutcome.ok?.by,
    0,
    `the Node service's request should wait for the new worker 0 too; got ${
      JSON.stringify(nodeOutcome)
    }`,
  );
});

Deno.test("a Node service's request to a worker that said it is leaving, made once it exited, waits for its new process", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 2,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
  const ask = (from: number | string) =>
    remote(cluster, from, { op: "request", action: "echoRequest", data: 1, to: 0 });
  // The Node service is connected to worker 0, so worker 0 tells it `$leaving`.
  assert.deepEqual(((await ask("node")) as { ok: { by: unknown } }).ok.by, 0);
  // Stopped alone on SIGTERM, as for a reload, its exit announced before
  // its next process starts.
  const exited = event(cluster, "exit", 0);
  const ready = event(cluster, "ready", 0);
  Deno.kill(cluster.pid(0)!, "SIGTERM");
  await exited;
  // The old worker 0 is gone and its next one not ready yet: the request
  // waits for it, as a Deno child's does, instead of finding nobody there.
  const outcome = await ask("node") as { ok?: { by: unknown }; error?: unknown };
  await ready;
  assert.equal(outcome.ok?.by, 0, `got ${JSON.stringify(outcome)}`);
});
