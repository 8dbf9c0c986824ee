/** Supervision: children that exit are restarted with their id, up to a limit. */

import assert from "node:assert/strict";
import { type LifecycleEvent, type SwitchboardError, UnreachableError } from "../mod.ts";
import { managerProcess, nextEvent, remote, startCluster, waitFor } from "./helpers.ts";
import type { Cluster } from "../mod.ts";

/** Collects the manager's lifecycle events; `until` waits for one that matches. */
function lifecycle(cluster: Cluster) {
  const events: LifecycleEvent[] = [];
  const waiters: { match: (e: LifecycleEvent) => boolean; resolve: () => void }[] = [];
  cluster.onLifecycle((event) => {
    events.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.match(event)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  return {
    events,
    until(match: (e: LifecycleEvent) => boolean, what: string): Promise<void> {
      if (events.some(match)) return Promise.resolve();
      const { promise, resolve } = Promise.withResolvers<void>();
      waiters.push({ match, resolve });
      return waitFor(promise, () => `${what}: saw ${JSON.stringify(events)}`);
    },
  };
}

Deno.test("a worker that dies is restarted with its id, and every peer reaches it again", async () => {
  await using cluster = await startCluster();
  const seen = lifecycle(cluster);
  const oldPid = cluster.pid(1)!;
  Deno.kill(oldPid, "SIGKILL");
  await seen.until((e) => e.type === "ready" && e.address === 1, "ready event for worker 1");

  assert.deepEqual(seen.events, [
    { type: "exit", address: 1, code: 137, signal: "SIGKILL", restart: true },
    { type: "restart", address: 1, attempt: 1 },
    { type: "ready", address: 1 },
  ]);
  assert.notEqual(cluster.pid(1), oldPid);
  const child = cluster.stats().children.find((c) => c.address === 1)!;
  assert.deepEqual({ ...child, pid: typeof child.pid }, {
    address: 1,
    pid: "number",
    state: "ready",
    restarts: 1,
  });

  // Reachable again by its id, from the manager and from the other workers.
  assert.deepEqual(await cluster.request("testRequest", { time: 1 }, { to: 1 }), {
    time: 1,
    by: 1,
  });
  for (const other of [0, 2, "logger"]) {
    assert.deepEqual(
      await remote(cluster, other, {
        op: "request",
        action: "testRequest",
        data: { time: 2 },
        to: 1,
      }),
      { ok: { time: 2, by: 1 } },
      `from ${other}`,
    );
  }
  // The restarted worker reaches everyone too.
  assert.deepEqual(
    await remote(cluster, 1, { op: "requestAll", action: "statsRequest" }),
    {
      ok: [
        { from: 0, data: { connections: 10 } },
        { from: 1, data: { connections: 11 } },
        { from: 2, data: { connections: 12 } },
      ],
    },
  );
  // The other children saw the same events.
  assert.deepEqual(await remote(cluster, 2, { op: "events" }), { ok: seen.events });
});

Deno.test("a child that keeps dying is restarted maxRestarts times, then given up", async () => {
  // No worker: start() resolves the moment the service is ready, so the
  // listener below is on well before its first exit, 100 ms later.
  await using cluster = await startCluster({
    workers: 0,
    processes: { flaky: new URL("./fixtures/dying_service.ts", import.meta.url) },
    restart: { maxRestarts: 2, period: 60_000, backoff: 10 },
    escalate: false,
  });
  const seen = lifecycle(cluster);
  const errors: Error[] = [];
  cluster.onError((error) => errors.push(error));
  await seen.until((e) => e.type === "fatal", "fatal event");

  assert.deepEqual(seen.events.map((e) => e.type), [
    "exit",
    "restart",
    "ready",
    "exit",
    "restart",
    "ready",
    "exit",
    "fatal",
  ]);
  assert.deepEqual(seen.events.at(-2), {
    type: "exit",
    address: "flaky",
    code: 3,
    signal: null,
    restart: false,
  });
  assert.deepEqual(seen.events.at(-1), {
    type: "fatal",
    address: "flaky",
    restarts: 2,
    period: 60_000,
  });
  assert.match(
    errors[0].message,
    /service "flaky" exited with code 3 after 2 restarts within 60000 ms; it stays down/,
  );
  assert.equal((errors[0] as SwitchboardError).peer, "flaky", "the error names the child");
  const flaky = cluster.stats().children.find((c) => c.address === "flaky")!;
  assert.deepEqual(flaky, { address: "flaky", pid: undefined, state: "failed", restarts: 2 });
  assert.equal(cluster.getProcess("flaky").send("ping", {}), false);
  const refused = await cluster.request("pingRequest", {}, { to: "flaky" }).then(
    () => assert.fail("answered"),
    (error: Error) => error,
  );
  assert.equal(
    (refused.cause as Error).message,
    'service "flaky" was given up after 2 restarts within 60000 ms',
  );
});

Deno.test("while a child waits to be restarted, sends to it are refused visibly", async () => {
  await using cluster = await startCluster({ workers: 2, restart: { backoff: 60_000 } });
  const seen = lifecycle(cluster);
  Deno.kill(cluster.pid(1)!, "SIGKILL");
  await seen.until((e) => e.type === "exit", "exit event");
  assert.equal(cluster.sendMessage("test", { n: 1 }, 1), 0);
  assert.equal(cluster.sendMessage("test", { n: 1 }), 1, "only worker 0 got the broadcast");
  await assert.rejects(
    cluster.request("echoRequest", {}, { to: 1 }),
    (error: unknown) =>
      error instanceof UnreachableError &&
      error.message === 'Request "echoRequest" to worker 1 failed: it is not connected' &&
      // Why, for a log: what the last lifecycle event said of it.
      (error.cause as Error).message ===
        "worker 1 exited on signal SIGKILL, and is being restarted",
  );
  assert.equal(cluster.stats().children.find((c) => c.address === 1)!.state, "restarting");
});

Deno.test("with restart: false a child that dies stays down", async () => {
  await using cluster = await startCluster({ workers: 2, restart: false });
  const seen = lifecycle(cluster);
  const reported = nextEvent<Error>((listener) => cluster.onError(listener), "the report");
  Deno.kill(cluster.pid(0)!, "SIGKILL");
  await seen.until((e) => e.type === "exit", "exit event");
  const error = await reported;
  assert.equal(error.message, "worker 0 exited unexpectedly on signal SIGKILL");
  assert.equal((error as SwitchboardError).peer, 0, "the error names the child");
  assert.deepEqual(seen.events, [
    { type: "exit", address: 0, code: 137, signal: "SIGKILL", restart: false },
  ]);
  assert.equal(cluster.stats().children.find((c) => c.address === 0)!.state, "stopped");
});

Deno.test("a restart that cannot even be started is retried, then given up, and the manager lives on", async () => {
  const manager = managerProcess("restart_failure_manager.ts");
  const { code, stdout } = await waitFor(manager.output(), "the manager's output");
  const report = JSON.parse(new TextDecoder().decode(stdout));
  assert.equal(code, 0);
  assert.deepEqual(report.events, ["exit", "restart", "restart", "fatal"]);
  assert.match(report.errors[0], /^Could not restart worker 0/);
  assert.match(
    report.errors.at(-1),
    /worker 0 could not be started after 2 restarts within 60000 ms; it stays down/,
  );
  assert.equal(report.state, "failed");
});
