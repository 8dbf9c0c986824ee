/**
 * Signals, as a terminal, systemd or an operator send them, to a manager
 * run as a subprocess (and to one child of a cluster started here).
 */

import assert from "node:assert/strict";
import { Cluster, type LifecycleEvent } from "../mod.ts";
import {
  isRunning,
  managerProcess,
  nextEvent,
  nextMessage,
  startCluster,
  waitFor,
} from "./helpers.ts";
import { exists, hasScript, ManagerRun } from "./manager_run.ts";

const CHILDREN = [0, 1, "logger"];

/** Checks a run ended by a graceful stop: stop work everywhere, nothing left behind. */
async function assertStoppedGracefully(
  run: ManagerRun,
  ready: { dir: string; pids: Record<string, number> },
): Promise<void> {
  const status = await run.finished();
  assert.equal(status.code, 0, run.stderr);
  assert.deepEqual(
    (run.all("stopped") as (number | string)[]).sort(),
    [...CHILDREN].sort(),
    "every child ran its onStop",
  );
  assert.deepEqual(run.all("stopping"), ["manager"], "the manager ran its onStop");
  assert.deepEqual(run.all("closed"), [true], "cluster.closed resolved");
  assert.equal(await exists(ready.dir), false, "no socket directory is left");
  for (const pid of Object.values(ready.pids)) assert.ok(!isRunning(pid), `${pid} still runs`);
}

Deno.test("Ctrl-C (SIGINT to the process group) stops the cluster gracefully, as SIGINT to the manager does", async () => {
  await using run = new ManagerRun();
  const ready = await run.ready();
  run.signalGroup("SIGINT");
  await assertStoppedGracefully(run, ready);
});

Deno.test({
  name:
    "Ctrl-C in a terminal to a manager run by deno task, which forwards it (heard twice), stops the cluster gracefully",
  ignore: !hasScript,
  async fn() {
    // The copy deno task forwards comes within a few milliseconds: merged
    // with the first by the kernel in some runs, heard apart in others.
    for (let run = 0; run < 3; run++) {
      await using task = new ManagerRun({}, undefined, "terminal");
      const ready = await task.ready();
      await task.pressCtrlC();
      await assertStoppedGracefully(task, ready);
    }
  },
});

Deno.test({
  name:
    "the same with the task's stdin from /dev/null: a terminal's Ctrl-C still comes twice, and stops the cluster gracefully",
  ignore: !hasScript,
  async fn() {
    // Its stdout and stderr are the terminal still (a tool running the task may redirect stdin).
    for (let run = 0; run < 3; run++) {
      await using task = new ManagerRun({}, undefined, "terminal", "< /dev/null");
      const ready = await task.ready();
      await task.pressCtrlC();
      await assertStoppedGracefully(task, ready);
    }
  },
});

Deno.test("SIGINT to the manager alone stops the cluster gracefully", async () => {
  await using run = new ManagerRun();
  const ready = await run.ready();
  run.process.kill("SIGINT");
  await assertStoppedGracefully(run, ready);
});

Deno.test("SIGTERM to the manager stops the cluster gracefully", async () => {
  await using run = new ManagerRun();
  const ready = await run.ready();
  run.process.kill("SIGTERM");
  await assertStoppedGracefully(run, ready);
});

Deno.test("SIGTERM to deno task alone (systemd's KillMode=mixed), which forwards it once, stops the cluster gracefully", async () => {
  await using task = new ManagerRun({}, undefined, "task");
  const ready = await task.ready();
  task.process.kill("SIGTERM");
  await assertStoppedGracefully(task, ready);
});

Deno.test("a second signal stops at once: children stuck in their stop work are killed", async () => {
  await using run = new ManagerRun({ slowStop: true });
  const ready = await run.ready();
  run.process.kill("SIGTERM");
  // The workers' stop work first: the service's waits for theirs to end.
  for (const worker of [0, 1]) await run.next("stopWork", (id) => id === worker);
  run.process.kill("SIGTERM");
  const status = await run.finished();
  assert.equal(status.code, 128 + 15);
  assert.deepEqual(run.all("stopped"), [], "their stop work never ended");
  assert.deepEqual(run.all("stopWork").sort(), [0, 1], "the service's never began");
  assert.equal(await exists(ready.dir), false, "no socket directory is left");
  for (const pid of Object.values(ready.pids)) assert.ok(!isRunning(pid));
});

Deno.test("signals: false leaves signals to the application", async () => {
  await using run = new ManagerRun({ ownHandler: true });
  const ready = await run.ready();
  run.process.kill("SIGTERM");
  await run.next("ownHandler");
  await assertStoppedGracefully(run, ready);
});

Deno.test("SIGTERM to one child runs its onStop, then it exits, and it is restarted without counting as a crash", async () => {
  await using cluster = await startCluster({
    workers: 2,
    restart: { maxRestarts: 1, backoff: 10 },
  });
  for (let round = 1; round <= 3; round++) {
    const goodbye = nextMessage(cluster, "goodbye", (msg) => msg.from === 1);
    const exited = nextEvent<LifecycleEvent>(
      (listener) => cluster.onLifecycle(listener),
      "worker 1's exit",
      (event) => event.type === "exit" && event.address === 1,
    );
    const back = nextEvent<LifecycleEvent>(
      (listener) => cluster.onLifecycle(listener),
      "worker 1 ready again",
      (event) => event.type === "ready" && event.address === 1,
    );
    Deno.kill(cluster.pid(1)!, "SIGTERM");
    await goodbye;
    assert.deepEqual(await exited, {
      type: "exit",
      address: 1,
      code: 0,
      signal: null,
      restart: true,
    });
    await back;
  }
  // Three clean exits with room for one crash: none was counted as one.
  const [, one] = cluster.stats().children;
  assert.equal(one.state, "ready");
  assert.equal(one.restarts, 3);
});

Deno.test("SIGTERM to every process at once (systemd's KillMode=control-group) stops the cluster in order: the workers' stop work still reaches the service", async () => {
  await using run = new ManagerRun({ askInStop: true });
  const ready = await run.ready();
  // The manager first, then each child, as systemd signals a service's cgroup.
  run.process.kill("SIGTERM");
  for (const pid of Object.values(ready.pids)) Deno.kill(pid, "SIGTERM");
  await assertStoppedGracefully(run, ready);
  // Before, each child stopped alone on its own signal: the service was gone
  // before the workers' onStop asked it.
  assert.deepEqual(
    (run.all("askedInStop") as { by: number; asked: string }[]).sort((a, b) => a.by - b.by),
    [{ by: 0, asked: "answered" }, { by: 1, asked: "answered" }],
  );
  assert.deepEqual(run.all("event"), [], "no child was stopped alone, or restarted");
});

Deno.test("SIGTERM to one child stuck in its stop work: the manager ends it after stopTimeout, says so, and restarts it", async () => {
  const cluster = await Cluster.start({
    worker: new URL("./fixtures/stubborn_worker.ts", import.meta.url),
    workers: 1,
    stopTimeout: 300,
  });
  try {
    const errors: Error[] = [];
    cluster.onError((error) => errors.push(error));
    const oldPid = cluster.pid(0)!;
    const back = nextEvent<LifecycleEvent>(
      (listener) => cluster.onLifecycle(listener),
      "worker 0 ready again",
      (event) => event.type === "ready" && event.address === 0,
    );
    Deno.kill(oldPid, "SIGTERM");
    // Before, it stopped on its own, with no bound: refusing every request,
    // for ever, and never restarted.
    await back;
    assert.notEqual(cluster.pid(0), oldPid);
    assert.equal(isRunning(oldPid), false);
    assert.equal(
      errors[0]?.message,
      "worker 0 did not finish its stop work (its onStop handlers, its running handlers) within " +
        "stopTimeout (300 ms): it was told to exit",
    );
  } finally {
    await cluster.stop();
  }
});

Deno.test("a second SIGTERM to a child in its stop work ends it at once, and it is restarted", async () => {
  await using run = new ManagerRun({ slowStop: true });
  const ready = await run.ready();
  Deno.kill(ready.pids[0], "SIGTERM");
  await run.next("stopWork", (id) => id === 0);
  Deno.kill(ready.pids[0], "SIGTERM");
  // Its stop work never ends, and stopTimeout is a minute.
  assert.deepEqual(
    await run.next("event", (event) => (event as LifecycleEvent).type === "exit"),
    { type: "exit", address: 0, code: 143, signal: null, restart: true },
  );
  await run.next("event", (event) => (event as LifecycleEvent).type === "ready");
  assert.equal(isRunning(ready.pids[0]), false);
});

Deno.test("a child's SIGTERM that reaches the manager once its stop began is left to that stop, with no timer left behind", async () => {
  const cluster = await Cluster.start({
    worker: new URL("./fixtures/term_telling_worker.ts", import.meta.url),
    workers: 1,
  });
  const termSent = nextMessage(cluster, "termSent");
  // The manager's own stop work comes first: the worker's $term, which
  // "termSent" follows, arrives while the stop runs. Before, it set a
  // timer that outlived the stop (the test's sanitizer saw it).
  cluster.onStop(() => termSent.then(() => {}));
  const stopped = cluster.stop();
  Deno.kill(cluster.pid(0)!, "SIGTERM");
  await waitFor(stopped, "the stop");
});

Deno.test("a SIGTERM'd child whose manager ended abruptly exits within stopTimeout for each phase, though a sibling never closes its end", async () => {
  const manager = managerProcess("abandoning_manager.ts").spawn();
  const lines = manager.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await waitFor(lines.read(), "the workers' pids");
  const [worker0, worker1] = (JSON.parse(value!) as { pids: number[] }).pids;
  try {
    assert.equal((await manager.status).code, 3);
    // Worker 1's stop work never ends. Before, worker 0's close waited for
    // it for ever, with nobody left to kill it.
    const ended = (async () => {
      while (isRunning(worker0)) await new Promise((resolve) => setTimeout(resolve, 20));
    })();
    await waitFor(ended, "worker 0 to exit");
  } finally {
    if (isRunning(worker0)) Deno.kill(worker0, "SIGKILL");
    Deno.kill(worker1, "SIGKILL");
    await lines.cancel();
  }
});

Deno.test("SIGTERM to a child still starting ends it with SIGTERM's exit code, not taken for code that never called connect()", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  try {
    await using run = new ManagerRun(
      { dir, startTimeout: 60_000 },
      new URL("./fixtures/sighup_start_manager.ts", import.meta.url),
    );
    await run.next("waiting");
    const { pid } = run.lines.find((line) => "waiting" in line) as { pid: number };
    Deno.kill(pid, "SIGTERM");
    assert.equal(await run.next("failed"), "worker 1 exited with code 143 before it was ready");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a child that crashes in the stop a SIGTERM asked for counts the crash against its restarts", async () => {
  await using cluster = await Cluster.start({
    worker: new URL("./fixtures/crashing_stop_worker.ts", import.meta.url),
    workers: 1,
    restart: { maxRestarts: 1, backoff: 10 },
    escalate: false,
  });
  cluster.onError(() => {});
  const exits: [number, boolean][] = [];
  cluster.onLifecycle((event) =>
    void (event.type === "exit" && exits.push([event.code, event.restart]))
  );
  const back = nextEvent<LifecycleEvent>(
    (listener) => cluster.onLifecycle(listener),
    "worker 0 ready again",
    (event) => event.type === "ready",
  );
  Deno.kill(cluster.pid(0)!, "SIGTERM");
  await back;
  const fatal = nextEvent<LifecycleEvent>(
    (listener) => cluster.onLifecycle(listener),
    "worker 0 given up",
    (event) => event.type === "fatal",
  );
  Deno.kill(cluster.pid(0)!, "SIGTERM");
  // Before, each such crash was restarted as a clean exit, for ever.
  assert.deepEqual(await fatal, { type: "fatal", address: 0, restarts: 1, period: 60_000 });
  assert.deepEqual(exits, [[3, true], [3, false]]);
});
