/**
 * Cancellation reaches the handler: `msg.signal` aborts when the requester
 * aborts, when the request's timeout passes there, and when the requester
 * dies; nothing is left running or pending on either side.
 */

import assert from "node:assert/strict";
import { type Cluster, TimeoutError } from "../mod.ts";
import { IncomingRequests } from "../src/incoming.ts";
import { FakeClock } from "./fake_clock.ts";
import { nextEvent, remote, startCluster } from "./helpers.ts";

/** A handler's report that it stopped: when (on the host's clock) and why. */
type Stopped = { by: number | string; reason: string; steps: number; from: unknown; at: number };

/** The next `loopStopped` report, and when its handler stopped. */
function stopped(cluster: Cluster): Promise<{ report: Stopped; at: number }> {
  return nextEvent<Stopped>(
    (listener) => cluster.on("loopStopped", (data) => listener(data as Stopped)),
    "the handler to stop",
  ).then((report) => ({ report, at: report.at }));
}

/** Now on the host's clock, which every process shares. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Nothing running or pending in the manager or in `child`. */
async function settled(cluster: Cluster, child: number | string): Promise<void> {
  assert.equal(cluster.stats().pendingRequests, 0, "the manager waits for nothing");
  const outcome = await remote(cluster, child, { op: "stats" });
  assert.ok("ok" in outcome);
  const stats = outcome.ok as { pendingRequests: number; handlersRunning: number };
  // (The stats request's own handler reads them before it counts as running.)
  assert.equal(stats.handlersRunning, 0, `${child} runs no handler`);
  assert.equal(stats.pendingRequests, 0);
}

// No bound in ms on how soon a handler stops (a loaded machine would fail
// it, and this is no benchmark): each handler here would loop for ever, so
// that it stopped, and why, is what shows its abort came.
Deno.test("the requester's abort reaches the handler: it stops, told why", async () => {
  await using cluster = await startCluster();
  for (const target of [1, "logger"]) {
    const controller = new AbortController();
    const report = stopped(cluster);
    const started = nextEvent<unknown>(
      (listener) => cluster.on("loopStarted", listener),
      `${target} to start working`,
    );
    const request = cluster.request("loopRequest", undefined, {
      to: target,
      signal: controller.signal,
    });
    const outcome = assert.rejects(request, (error) => error === "enough");
    await started;
    controller.abort("enough");
    await outcome;
    const { report: r } = await report;
    assert.equal(r.reason, "AbortError");
    assert.equal(r.from, "manager");
    assert.ok(r.steps > 0, "it had been working");
    await settled(cluster, target);
  }
});

Deno.test("a worker's abort reaches another worker's handler", async () => {
  await using cluster = await startCluster();
  const report = stopped(cluster);
  assert.deepEqual(
    await remote(cluster, 0, { op: "requestThenAbort", action: "loopRequest", to: 2, after: 30 }),
    { ok: "enough" },
  );
  const { report: r } = await report;
  assert.deepEqual([r.by, r.from, r.reason], [2, 0, "AbortError"]);
  await settled(cluster, 2);
});

Deno.test("the request's timeout reaches the handler, not before the requester's deadline", async () => {
  await using cluster = await startCluster();
  const report = stopped(cluster);
  const sentAt = now();
  await assert.rejects(
    cluster.request("loopRequest", undefined, { to: 2, timeout: 200 }),
    TimeoutError,
  );
  const { report: r, at } = await report;
  assert.equal(r.reason, "TimeoutError");
  const late = at - sentAt - 200;
  assert.ok(late >= 0, `stopped ${(-late).toFixed(1)} ms before the deadline`);
  await settled(cluster, 2);
});

Deno.test("a requester that dies: its request's handler stops, told why", async () => {
  await using cluster = await startCluster();
  const errors: Error[] = [];
  cluster.onError((error) => errors.push(error));
  const report = stopped(cluster);
  const started = nextEvent<unknown>(
    (listener) => cluster.on("loopStarted", listener),
    "worker 1 to start working",
  );
  // Worker 0 asks worker 1, then dies with the request open.
  const asking = remote(cluster, 0, {
    op: "request",
    action: "loopRequest",
    to: 1,
    timeout: 60_000,
  }).then(() => "answered", (error: Error) => error.name);
  await started;
  Deno.kill(cluster.pid(0)!, "SIGKILL");
  const { report: r } = await report;
  assert.equal(r.reason, "AbortError");
  assert.equal(r.from, 0);
  // The manager's order to worker 0 failed with it.
  assert.equal(await asking, "UnreachableError");
  await settled(cluster, 1);
});

Deno.test("a peer that reuses the id of a request still open: the new one is found by $more and $cancel", () => {
  const incoming = new IncomingRequests(new FakeClock());
  const first = incoming.open(1, "x", undefined, 16);
  const second = incoming.open(1, "x", undefined, 16);
  assert.equal(incoming.get(1, "x"), second);
  first.settle();
  second.settle();
  assert.equal(incoming.get(1, "x"), undefined);
});

Deno.test("a handler's signal aborts at the deadline the request carried, on the clock", () => {
  const clock = new FakeClock();
  const incoming = new IncomingRequests(clock);
  const request = incoming.open(0, "a.1", 100);
  const signal = request.signal;
  clock.advance(99);
  assert.equal(signal.aborted, false);
  clock.advance(1);
  assert.equal(signal.aborted, true);
  assert.equal((signal.reason as DOMException).name, "TimeoutError");
  assert.equal(incoming.size, 0, "given up: forgotten");

  // Answered before its deadline: its signal never aborts, and nothing is left.
  const answered = incoming.open(0, "a.2", 100);
  const quiet = answered.signal;
  answered.settle();
  clock.advance(500);
  assert.equal(quiet.aborted, false);
  assert.equal(incoming.size, 0);

  // A cancel for another peer's request changes nothing; the right peer's does.
  const mine = incoming.open("logger", "b.1", undefined);
  incoming.cancel(0, "b.1");
  assert.equal(mine.signal.aborted, false);
  incoming.cancel("logger", "b.1");
  assert.equal(mine.signal.aborted, true);
  assert.equal((mine.signal.reason as DOMException).name, "AbortError");

  // Read only after the requester went: aborted all the same.
  const late = incoming.open(1, "c.1", 1000);
  incoming.gone(1);
  assert.equal(late.signal.aborted, true);
  assert.equal(incoming.size, 0);

  // Read only after its cancel came: aborted all the same.
  const early = incoming.open(2, "d.1", 1000);
  incoming.cancel(2, "d.1");
  assert.equal(early.signal.aborted, true);
  assert.equal((early.signal.reason as DOMException).name, "AbortError");
  // A request of a peer that went earlier, opened after, is not touched.
  const after = incoming.open(1, "c.2", 1000);
  assert.equal(after.signal.aborted, false);
  after.settle();
  assert.equal(incoming.size, 0);
});
