/** Rolling reload: one child at a time, nothing in flight lost, never a crash. */

import assert from "node:assert/strict";
import {
  ClosedError,
  Cluster,
  type LifecycleEvent,
  type Permissions,
  type SwitchboardError,
} from "../mod.ts";
import {
  isRunning,
  loadsThrough,
  nextEvent,
  Recorder,
  serviceScript,
  startCluster,
  waitFor,
} from "./helpers.ts";
import { ManagerRun } from "./manager_run.ts";

Deno.test("reload() replaces every worker one at a time; each old one runs its onStop first", async () => {
  await using cluster = await startCluster({ workers: 3, restart: { maxRestarts: 1 } });
  const before = [0, 1, 2].map((id) => cluster.pid(id)!);
  const goodbyes = new Recorder<{ by: number }>(cluster, "goodbye");
  const events: string[] = [];
  const downAtOnce: number[] = [];
  cluster.onLifecycle((event: LifecycleEvent) => {
    events.push(`${event.type} ${event.address}`);
    if (event.type === "reload") {
      const notReady = cluster.stats().children.filter((child) => child.state !== "ready");
      downAtOnce.push(notReady.length);
    }
  });
  await waitFor(cluster.reload(), "the reload");
  assert.deepEqual(events, [
    "reload 0",
    "ready 0",
    "reload 1",
    "ready 1",
    "reload 2",
    "ready 2",
  ]);
  assert.deepEqual(downAtOnce, [0, 0, 0], "each reload starts with every child ready");
  const after = [0, 1, 2].map((id) => cluster.pid(id)!);
  for (const [i, pid] of before.entries()) {
    assert.notEqual(after[i], pid);
    assert.ok(!isRunning(pid));
  }
  assert.deepEqual(goodbyes.data.map((g) => g.by).sort(), [0, 1, 2], "their onStop ran");
  assert.deepEqual(
    cluster.stats().children.map(({ state, restarts }) => ({ state, restarts })),
    [0, 1, 2, "logger"].map(() => ({ state: "ready", restarts: 0 })),
    "a reload is no restart, and the logger was left alone",
  );
  assert.equal(cluster.sendMessage("test", {}), 3, "every new worker is reachable");
});

Deno.test("a request in flight to a reloading worker is answered", async () => {
  await using cluster = await startCluster({ workers: 2 });
  const slow = cluster.request("slowRequest", { ms: 300 }, { to: 0 });
  const reloading = cluster.reload(0);
  assert.deepEqual(await slow, { by: 0 });
  await reloading;
});

Deno.test("a reload under steady requests to ANY, from the manager and a worker, fails none", async () => {
  // A stop work that waited out stopTimeout would fail the test's wait.
  await using cluster = await startCluster({ workers: 3, processes: {}, stopTimeout: 60_000 });
  const before = cluster.pid(0)!;
  // The loads run, each having asked every worker, before the reload.
  const loads = await loadsThrough(
    cluster,
    { action: "slowRequest", data: { ms: 10 }, workers: 3 },
    () => waitFor(cluster.reload(0), "the reload"),
  );
  for (const load of loads) {
    assert.deepEqual(load.failures, [], "no request failed");
    assert.ok(load.answered > 0);
  }
  assert.ok(!isRunning(before));
});

Deno.test("reloads never count as crashes", async () => {
  await using cluster = await startCluster({ workers: 1, restart: { maxRestarts: 1 } });
  for (let i = 0; i < 4; i++) await cluster.reload([0, "logger"]);
  assert.deepEqual(
    cluster.stats().children.map((child) => child.state),
    ["ready", "ready"],
  );
});

Deno.test("reload() of a list that names a process twice reloads it once", async () => {
  await using cluster = await startCluster({ workers: 2 });
  const reloads: unknown[] = [];
  cluster.onLifecycle((event) => void (event.type === "reload" && reloads.push(event.address)));
  await cluster.reload([0, "logger", 0]);
  assert.deepEqual(reloads, [0, "logger"]);
  await assert.rejects(cluster.reload(1.5 as never), {
    name: "TypeError",
    message: "Cannot reload 1.5: a target is a worker id (integer >= 0), a service name or MANAGER",
  });
});

/**
 * Two workers of `fixtures/breakable_worker.ts`, broken while `broken`
 * exists, with a restart budget of 2; resolves with the cluster, its
 * first `fatal` event to come, and what it reports to `onError`.
 */
async function startBreakable(
  args: string[],
  permissions: Permissions,
): Promise<{ cluster: Cluster; fatal: Promise<LifecycleEvent>; errors: Error[] }> {
  const cluster = await Cluster.start({
    worker: new URL("./fixtures/breakable_worker.ts", import.meta.url),
    workers: 2,
    args,
    permissions,
    restart: { maxRestarts: 2, period: 60_000, backoff: 10 },
  });
  const fatal = nextEvent<LifecycleEvent>(
    (listener) => cluster.onLifecycle(listener),
    "the fatal event",
    (event) => event.type === "fatal",
  );
  const errors: Error[] = [];
  cluster.onError((error) => errors.push(error));
  return { cluster, fatal, errors };
}

Deno.test("a reload whose new code never starts gives up that worker alone: the cluster runs on, and a fixed reload brings it back", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const broken = `${dir}/broken`;
  try {
    const { cluster, fatal, errors } = await startBreakable([broken], { read: [dir] });
    await using _ = cluster;
    await Deno.writeTextFile(broken, "");
    await assert.rejects(cluster.reload(), /worker 0 exited with code 1 before it was ready/);
    assert.deepEqual(await fatal, { type: "fatal", address: 0, restarts: 2, period: 60_000 });
    assert.match(
      errors.at(-1)!.message,
      /^worker 0 exited with code 1 after 2 restarts within 60000 ms; it stays down \(it was never ready since its reload, so the cluster runs on without it: fix its code and reload it\)$/,
    );
    // Not escalated: worker 1, still on the old code, serves.
    assert.deepEqual(await cluster.request("echoRequest", 1, { to: 1 }), { data: 1, by: 1 });
    await Deno.remove(broken);
    await waitFor(cluster.reload(0), "the fixed reload");
    assert.deepEqual(await cluster.request("echoRequest", 2, { to: 0 }), { data: 2, by: 0 });
    assert.deepEqual(cluster.stats().children.map((child) => child.state), ["ready", "ready"]);
    // The fixed code has a budget of its own: the broken code's restarts do not count against it.
    const back = nextEvent<LifecycleEvent>(
      (listener) => cluster.onLifecycle(listener),
      "worker 0 ready after its crash",
      (event) => event.type === "ready" && event.address === 0,
    );
    Deno.kill(cluster.pid(0)!, "SIGKILL");
    await back;
    assert.deepEqual(await cluster.request("echoRequest", 3, { to: 0 }), { data: 3, by: 0 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a reload whose new code ends cleanly before it is ready is given up as a crash is, not restarted for ever", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const broken = `${dir}/broken`;
  try {
    const { cluster, fatal, errors } = await startBreakable([broken], { read: [dir] });
    await using _ = cluster;
    await Deno.writeTextFile(broken, "exit 0");
    await assert.rejects(cluster.reload(0), /worker 0 exited with code 0 before it was ready/);
    // Before, each clean exit was restarted after 100 ms, for ever.
    assert.deepEqual(await fatal, { type: "fatal", address: 0, restarts: 2, period: 60_000 });
    assert.equal(
      errors.at(-1)!.message,
      "worker 0 exited with code 0 before it was ready (did it call connect()? A module that " +
        "only exports a function ends at once) after 2 restarts within 60000 ms; it stays down " +
        "(it was never ready since its reload, so the cluster runs on without it: fix its code " +
        "and reload it)",
    );
    assert.equal((errors.at(-1) as SwitchboardError).peer, 0, "the error names the child");
    assert.deepEqual(cluster.stats().children.map((child) => child.state), ["failed", "ready"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGHUP while a start waits that then fails reloads nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  try {
    await using run = new ManagerRun(
      { dir, startTimeout: 1000 },
      new URL("./fixtures/sighup_start_manager.ts", import.meta.url),
    );
    await run.next("waiting");
    run.process.kill("SIGHUP");
    await run.next("hup");
    // Worker 1 never opens: the start fails at startTimeout.
    assert.match(await run.next("failed") as string, /Cluster did not start within 1000 ms/);
    await run.finished();
    assert.deepEqual(run.all("reloading"), [], "no worker was reloaded");
    // The start's rejection says what failed; a word that the reload could
    // not be done would only add noise.
    assert.doesNotMatch(run.stderr, /Cannot reload/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fixed code reloaded after its worker was given up is restarted when it fails as it starts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const [broken, once] = [`${dir}/broken`, `${dir}/once`];
  try {
    const { cluster, fatal } = await startBreakable([broken, once], {
      read: [dir],
      write: [dir],
    });
    await using _ = cluster;
    await Deno.writeTextFile(broken, "");
    await assert.rejects(cluster.reload(0));
    await fatal;
    // The fix, deployed: it fails once as it starts, then runs.
    await Deno.remove(broken);
    await Deno.writeTextFile(once, "");
    const outcome = nextEvent<LifecycleEvent>(
      (listener) => cluster.onLifecycle(listener),
      "worker 0 ready, or given up",
      (event) => event.address === 0 && (event.type === "ready" || event.type === "fatal"),
    );
    await assert.rejects(cluster.reload(0), /worker 0 exited with code 1 before it was ready/);
    assert.deepEqual(await outcome, { type: "ready", address: 0 }, "a budget of its own");
    assert.deepEqual(await cluster.request("echoRequest", 1, { to: 0 }), { data: 1, by: 0 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGHUP to the manager reloads every worker", async () => {
  await using run = new ManagerRun();
  const ready = await run.ready();
  run.process.kill("SIGHUP");
  for (const id of [0, 1]) {
    await run.next("event", (event) =>
      (event as LifecycleEvent).type === "ready" &&
      (event as LifecycleEvent).address === id);
  }
  assert.deepEqual(
    (run.all("event") as LifecycleEvent[]).map((event) => `${event.type} ${event.address}`),
    ["reload 0", "ready 0", "reload 1", "ready 1"],
  );
  assert.deepEqual((run.all("stopped") as number[]).sort(), [0, 1], "the old workers' onStop ran");
  for (const id of [0, 1]) assert.ok(!isRunning(ready.pids[id]));
  run.process.kill("SIGTERM");
  assert.equal((await run.finished()).code, 0);
});

Deno.test("SIGHUP while Cluster.start() waits reloads once the start is done, instead of failing it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  try {
    await using run = new ManagerRun(
      { dir },
      new URL("./fixtures/sighup_start_manager.ts", import.meta.url),
    );
    await run.next("waiting");
    run.process.kill("SIGHUP");
    await run.next("hup");
    await Deno.writeTextFile(`${dir}/open`, "");
    const started = await run.next("started") as number[];
    const reloaded = await run.next("reloaded") as number[];
    assert.deepEqual(run.all("failed"), []);
    // No reload began while the start waited for worker 1: it came after.
    const first = (key: string) => run.lines.findIndex((line) => key in line);
    assert.ok(first("reloading") > first("opened"), JSON.stringify(run.lines));
    assert.ok(reloaded.every((pid, id) => pid !== started[id]), "both workers replaced");
    run.process.kill("SIGTERM");
    assert.equal((await run.finished()).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stop() during reload() rejects the reload with ClosedError, wherever it is", async () => {
  // Each reload phase: stopping the old worker, starting the new one.
  for (const phase of ["reload", "ready"]) {
    // It ends once the stop has: it does not wait out a stopTimeout.
    const cluster = await startCluster({ workers: 2, processes: {}, stopTimeout: 60_000 });
    const reached = nextEvent<LifecycleEvent>(
      (listener) => cluster.onLifecycle(listener),
      `a "${phase}" event`,
      (event) => event.type === phase,
    );
    const reloading = cluster.reload().then(() => "done", (error) => error);
    await reached;
    await cluster.stop();
    const error = await waitFor(reloading, "the reload to end");
    assert.ok(error instanceof ClosedError, `after "${phase}": ${error}`);
    assert.match(error.message, /^Reload of worker \d stopped: the cluster is stopping$/);
  }
});

Deno.test("stop() while the reloaded worker starts rejects the reload, though it became ready", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  try {
    await Deno.writeTextFile(`${dir}/open`, "");
    await using cluster = await Cluster.start({
      worker: new URL("./fixtures/gated_start_worker.ts", import.meta.url),
      workers: 2,
      args: [dir],
      permissions: { read: [dir] },
    });
    // Worker 1's new process will wait for `open`.
    await Deno.remove(`${dir}/open`);
    const waiting = nextEvent((listener) => cluster.on("waiting", listener), "the new worker 1");
    const readyAgain = nextEvent<LifecycleEvent>(
      (listener) => cluster.onLifecycle(listener),
      "worker 1 ready again",
      (event) => event.type === "ready" && event.address === 1,
    );
    const reloading = cluster.reload(1).then(() => "done", (error) => error);
    await waiting;
    // The stop began while it started; the manager's stop work lets it become ready.
    cluster.onStop(async () => {
      await Deno.writeTextFile(`${dir}/open`, "");
      await readyAgain;
    });
    await cluster.stop();
    const error = await waitFor(reloading, "the reload to end");
    assert.ok(error instanceof ClosedError, String(error));
    assert.match(error.message, /^Reload of worker 1 stopped: the cluster is stopping$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a reload whose process cannot be spawned says so, and the restart policy brings it back", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const script = await serviceScript(dir);
  try {
    await using cluster = await Cluster.start({
      workers: 0,
      processes: { svc: { command: [script] } },
    });
    const errors: Error[] = [];
    cluster.onError((error) => errors.push(error));
    const back = nextEvent<LifecycleEvent>(
      (listener) => cluster.onLifecycle(listener),
      "the service ready again",
      (event) => event.type === "ready" && event.address === "svc",
    );
    // A deploy moves it away for a moment.
    await Deno.rename(script, `${script}.moved`);
    await assert.rejects(cluster.reload("svc"), {
      name: "SwitchboardError",
      message: 'Could not start service "svc" after its reload',
    });
    assert.equal(cluster.stats().children[0].state, "restarting");
    await Deno.rename(`${script}.moved`, script);
    await back;
    assert.ok(
      errors.every((error) => !/after its reload/.test(error.message)),
      "said once, to who asked for the reload",
    );
    assert.deepEqual(await cluster.request("pingRequest", 1, { to: "svc" }), {
      data: 1,
      by: "svc",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a worker that dies during its stop work for a reload is reported; the reload goes on", async () => {
  await using cluster = await startCluster({ workers: 1, processes: {} });
  const errors: Error[] = [];
  cluster.onError((error) => errors.push(error));
  cluster.onLifecycle((event) => {
    if (event.type === "reload") Deno.kill(cluster.pid(0)!, "SIGKILL");
  });
  await waitFor(cluster.reload(), "the reload");
  assert.deepEqual(errors.map((error) => error.message), [
    "worker 0 exited on signal SIGKILL before its stop work was done",
  ]);
  assert.equal((errors[0] as SwitchboardError).peer, 0);
  const answer = await cluster.request("echoRequest", 1, { to: 0 }) as { by: number };
  assert.equal(answer.by, 0, "its new process serves");
});

Deno.test("reloads of the same workers asked while one waits to begin are that one: the code is loaded once", async () => {
  await using cluster = await startCluster({ workers: 2 });
  const reloaded: unknown[] = [];
  cluster.onLifecycle((event) => event.type === "reload" && reloaded.push(event.address));
  const began = nextEvent<LifecycleEvent>(
    (listener) => cluster.onLifecycle(listener),
    "the first reload to begin",
    (event) => event.type === "reload",
  );
  const first = cluster.reload();
  await began;
  // As two SIGHUPs in a row while the first runs: one more reload, after it.
  const second = cluster.reload();
  const third = cluster.reload();
  await waitFor(Promise.all([first, second, third]), "the reloads");
  assert.deepEqual(reloaded, [0, 1, 0, 1]);
});
