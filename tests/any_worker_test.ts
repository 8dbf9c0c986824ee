/**
 * `ANY`: one worker, the least busy, from the manager, a worker and a
 * service; never one that is down; refused visibly when none is up.
 */

import assert from "node:assert/strict";
import { ANY, type LifecycleEvent, UnreachableError } from "../mod.ts";
import { WorkerChooser } from "../src/worker_chooser.ts";
import type { Load } from "./fixtures/load.ts";
import { nextEvent, Recorder, remote, startCluster, waitFor } from "./helpers.ts";

Deno.test("the chooser takes the worker with the fewest open requests, ties in turn", () => {
  const chooser = new WorkerChooser();
  const workers = [0, 1, 2];
  const none = () => 0;
  const turns: number[] = [];
  for (let i = 0; i < 6; i++) {
    const [first] = chooser.candidates(workers, none);
    chooser.chose(first, workers);
    turns.push(first as number);
  }
  assert.deepEqual(turns, [0, 1, 2, 0, 1, 2], "equals take turns");
  const open = new Map([[0, 2], [1, 0], [2, 1]]);
  assert.deepEqual(chooser.candidates(workers, (w) => open.get(w as number)!), [1, 2, 0]);
  assert.deepEqual(chooser.candidates([], none), []);
});

Deno.test("request(…, { to: ANY }) spreads work, and goes around a worker busy with a long one", async () => {
  await using cluster = await startCluster();
  const by = async () =>
    ((await cluster.request("echoRequest", "x", { to: ANY })) as { by: number }).by;
  const spread = [await by(), await by(), await by(), await by(), await by(), await by()];
  assert.deepEqual(spread.toSorted(), [0, 0, 1, 1, 2, 2], "each in turn");

  // Two long requests take two workers; the third worker gets the short ones.
  const held = [
    cluster.request("holdRequest", undefined, { to: ANY }),
    cluster.request("holdRequest", undefined, { to: ANY }),
  ];
  const free = await by();
  assert.deepEqual([await by(), await by()], [free, free], "never a busy worker");
  cluster.sendMessage("release", undefined);
  assert.deepEqual(await Promise.all(held), ["released", "released"]);
  assert.equal(cluster.stats().pendingRequests, 0);
});

Deno.test("request(…, { to: ANY }) goes around a worker busy streaming an answer", async () => {
  await using cluster = await startCluster({ workers: 2 });
  const parts = cluster.requestStream("countStream", { count: 1000, delay: 20 }, { to: ANY })[
    Symbol.asyncIterator
  ]();
  await parts.next();
  const by = async () =>
    ((await cluster.request("echoRequest", "x", { to: ANY })) as { by: number }).by;
  const picks = [await by(), await by(), await by()];
  const stopped = nextEvent<{ by: number }>(
    (listener) => cluster.on("streamStopped", (data) => listener(data as { by: number })),
    "the stream to stop",
  );
  await parts.return!();
  const streamer = (await stopped).by;
  assert.deepEqual(picks, [1 - streamer, 1 - streamer, 1 - streamer], "never the streaming one");
});

Deno.test("sendMessage(…, ANY) hands the message to one worker, which sees who sent it", async () => {
  await using cluster = await startCluster();
  const seen = new Recorder<{ by: number; from: unknown }>(cluster, "seen");
  assert.equal(cluster.sendMessage("test", { n: 1 }, ANY), 1);
  assert.equal(cluster.sendMessage("test", { n: 2 }, ANY), 1);
  const reports = await seen.until((d) => d.length === 2);
  assert.notEqual(reports[0].by, reports[1].by, "in turn");
  assert.ok(reports.every((r) => r.from === "manager"));
});

Deno.test("ANY never picks a worker that is down; with none up, refused at once", async () => {
  await using cluster = await startCluster({ workers: 2, restart: false });
  const errors: Error[] = [];
  cluster.onError((error) => errors.push(error));
  const exit = nextEvent<LifecycleEvent>(
    (listener) => cluster.onLifecycle(listener),
    "worker 0 to exit",
    (e) => e.type === "exit" && e.address === 0,
  );
  Deno.kill(cluster.pid(0)!, "SIGKILL");
  await exit;
  for (let i = 0; i < 4; i++) {
    const answer = await cluster.request("echoRequest", i, { to: ANY }) as { by: number };
    assert.equal(answer.by, 1, "worker 0 is down");
  }
  const down = nextEvent<LifecycleEvent>(
    (listener) => cluster.onLifecycle(listener),
    "worker 1 to exit",
    (e) => e.type === "exit" && e.address === 1,
  );
  Deno.kill(cluster.pid(1)!, "SIGKILL");
  await down;
  assert.equal(cluster.sendMessage("test", {}, ANY), 0, "no worker up: counted 0");
  await assert.rejects(
    cluster.request("echoRequest", 1, { to: ANY }),
    (error: unknown) =>
      error instanceof UnreachableError &&
      /^Request "echoRequest" to any worker failed: no worker is up/.test(error.message),
  );
  assert.deepEqual(errors.map((error) => error.message), [
    "worker 0 exited unexpectedly on signal SIGKILL",
    "worker 1 exited unexpectedly on signal SIGKILL",
  ]);
});

Deno.test("a worker and a service ask ANY too, and get an answer from a worker", async () => {
  await using cluster = await startCluster();
  for (const asker of [0, "logger"]) {
    const outcome = await remote(cluster, asker, {
      op: "requestAny",
      action: "echoRequest",
      data: 7,
    });
    assert.ok("ok" in outcome, JSON.stringify(outcome));
    const { data, by } = outcome.ok as { data: number; by: number };
    assert.equal(data, 7);
    assert.ok([0, 1, 2].includes(by), `answered by worker ${by}`);
    assert.deepEqual(
      await remote(cluster, asker, { op: "sendAny", action: "test", data: {} }),
      { ok: 1 },
    );
  }
});

Deno.test("a worker that awaits requests to ANY in a loop, with only itself up, still serves others", async () => {
  await using cluster = await startCluster({ workers: 1, processes: {} });
  // Each request goes to itself: its answer must come in a later task, or
  // the loop would keep everything else (sockets, timers) from running.
  const loading = remote(cluster, 0, {
    op: "load",
    action: "echoRequest",
    data: 1,
    loops: 1,
    workers: 1,
  });
  assert.deepEqual(
    (await waitFor(cluster.request("echoRequest", "hi", { to: 0 }), "its answer") as {
      data: unknown;
    }).data,
    "hi",
  );
  cluster.sendMessage("stopLoad", {}, 0);
  const load = ((await waitFor(loading, "the loop to stop")) as { ok: Load }).ok;
  assert.ok(load.answered > 0 && load.failed === 0, JSON.stringify(load));
});
