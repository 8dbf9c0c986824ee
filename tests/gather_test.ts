/** Scenario 5: gather, one request to many targets. */

import assert from "node:assert/strict";
import { NoHandlerError, TimeoutError, UnreachableError } from "../mod.ts";
import { nextEvent, remote, startCluster } from "./helpers.ts";

Deno.test("requestAll asks every worker and resolves with one result per worker, in order", async () => {
  await using cluster = await startCluster();
  const results = await cluster.requestAll("statsRequest", {}, { timeout: 30_000 });
  assert.deepEqual(results, [
    { from: 0, data: { connections: 10 } },
    { from: 1, data: { connections: 11 } },
    { from: 2, data: { connections: 12 } },
  ]);
  const total = results.reduce(
    (sum, r) => sum + ("data" in r ? (r.data as { connections: number }).connections : 0),
    0,
  );
  assert.equal(total, 33);
});

Deno.test("requestAll from a worker includes that worker, answered locally", async () => {
  await using cluster = await startCluster();
  assert.deepEqual(await remote(cluster, 1, { op: "requestAll", action: "statsRequest" }), {
    ok: [
      { from: 0, data: { connections: 10 } },
      { from: 1, data: { connections: 11 } },
      { from: 2, data: { connections: 12 } },
    ],
  });
});

Deno.test("requestAll settles each target on its own: slow, failing and unknown ones fail alone", async () => {
  await using cluster = await startCluster();
  const results = await cluster.requestAll("slowRequest", { ms: 0 }, {
    to: [0, 1, 9],
    timeout: 5_000,
  });
  assert.deepEqual(results.slice(0, 2), [{ from: 0, data: { by: 0 } }, {
    from: 1,
    data: { by: 1 },
  }]);
  assert.equal(results[2].from, 9);
  assert.ok("error" in results[2] && results[2].error instanceof UnreachableError);

  const mixed = await cluster.requestAll("silentRequest", {}, {
    to: [2, "logger", "manager"],
    timeout: 100,
  });
  assert.equal(mixed.length, 3);
  assert.ok("error" in mixed[0] && mixed[0].error instanceof TimeoutError);
  assert.ok(
    "error" in mixed[1] && mixed[1].error instanceof TimeoutError,
    "onAny never answers it",
  );
  assert.ok("error" in mixed[2] && mixed[2].error instanceof NoHandlerError);
});

Deno.test("requestAll with one slow worker and one dead worker resolves the others' answers", async () => {
  await using cluster = await startCluster({ workers: 4, restart: false });
  const exited = nextEvent<Error>(
    (listener) => cluster.onError(listener),
    "the exit to be reported",
  );
  Deno.kill(cluster.pid(3)!, "SIGKILL");
  const error = await exited;
  assert.match(error.message, /worker 3 exited unexpectedly on signal SIGKILL/);

  const results = await cluster.requestAll("slowRequest", { msBy: { 1: 1_000 } }, { timeout: 200 });
  assert.deepEqual(results.map((r) => r.from), [0, 1, 2, 3]);
  assert.deepEqual(results[0], { from: 0, data: { by: 0 } });
  assert.ok("error" in results[1] && results[1].error instanceof TimeoutError);
  assert.deepEqual(results[2], { from: 2, data: { by: 2 } });
  assert.ok("error" in results[3] && results[3].error instanceof UnreachableError);
  await assert.rejects(cluster.requestAll("$x", {}), /reserved/);
});

Deno.test("requestAll refuses an invalid timeout once, as a rejection, whatever the targets", async () => {
  await using cluster = await startCluster();
  for (const to of [undefined, [0, 1], []]) {
    await assert.rejects(
      cluster.requestAll("statsRequest", {}, { to, timeout: -1 }),
      { name: "TypeError", message: 'Request "statsRequest" has an invalid timeout: -1' },
      `to: ${JSON.stringify(to)}`,
    );
  }
  await assert.rejects(
    cluster.requestAll("statsRequest", {}, { timeout: "5" as unknown as number }),
    { name: "TypeError", message: 'Request "statsRequest" has an invalid timeout: "5"' },
  );
});

Deno.test("requestAll asks a process listed twice once, and refuses data that cannot be carried once, at once", async () => {
  await using cluster = await startCluster();
  const results = await cluster.requestAll("statsRequest", {}, { to: [1, 0, 1], timeout: 30_000 });
  assert.deepEqual(results.map((result) => result.from), [1, 0]);
  await assert.rejects(
    cluster.requestAll("statsRequest", { when: new Map() }, { to: [0, 1] }),
    (error: Error) =>
      error.name === "FrameError" &&
      error.message.startsWith(
        'Cannot send "statsRequest" to worker 0, worker 1: data.when is a Map',
      ),
  );
});

Deno.test("requestAll reads its data once, however many targets, and each gets it as it was then", async () => {
  await using cluster = await startCluster();
  let reads = 0;
  const data = {
    toJSON: () => ({ read: ++reads, body: new Uint8Array([reads]) }),
  };
  const results = await cluster.requestAll("echoRequest", data, { to: [0, 1, 2] });
  assert.equal(reads, 1);
  for (const result of results) {
    assert.ok("data" in result, `worker ${result.from} failed`);
    assert.deepEqual((result.data as { data: unknown }).data, {
      read: 1,
      body: new Uint8Array([1]),
    });
  }
});
