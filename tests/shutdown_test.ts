/** Graceful shutdown, and what happens when the manager cannot shut down. */

import assert from "node:assert/strict";
import { ClosedError, Cluster, type LifecycleEvent, type SwitchboardError } from "../mod.ts";
import {
  hold,
  isRunning,
  managerProcess,
  nextEvent,
  Recorder,
  startCluster,
  waitFor,
} from "./helpers.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

Deno.test("stop() lets children finish: stop handlers run, requests in flight complete", async () => {
  const cluster = await startCluster();
  const goodbyes = new Recorder<{ by: number }>(cluster, "goodbye");
  const managerStopped: string[] = [];
  cluster.onStop(() => void managerStopped.push("manager"));
  const pids = [0, 1, 2, "logger"].map((address) => cluster.pid(address)!);
  const dir = cluster.socketDir;

  const inFlight = cluster.request("slowRequest", { ms: 300 }, { to: 0 });
  const stopping = cluster.stop();
  await assert.rejects(
    cluster.request("echoRequest", {}, { to: 1 }),
    (error: unknown) =>
      error instanceof ClosedError &&
      error.message === 'Request "echoRequest" to worker 1 was cancelled: the manager is stopping',
  );
  assert.deepEqual(await inFlight, { by: 0 }, "the request sent before stop() completed");
  await waitFor(stopping, "stop() to finish");

  assert.deepEqual(goodbyes.data.map((g) => g.by).sort(), [0, 1, 2]);
  assert.deepEqual(managerStopped, ["manager"]);
  assert.ok(!pids.some(isRunning));
  assert.equal(await Deno.stat(dir).then(() => true, () => false), false);
});

Deno.test("stop() kills a child that does not finish within stopTimeout", async () => {
  const cluster = await Cluster.start({
    worker: fixture("stubborn_worker.ts"),
    workers: 1,
    stopTimeout: 300,
  });
  const pid = cluster.pid(0)!;
  const errors: Error[] = [];
  cluster.onError((error) => errors.push(error));
  await waitFor(cluster.stop(), "stop() to finish");
  assert.equal(isRunning(pid), false);
  assert.deepEqual(cluster.stats().children, [
    { address: 0, pid: undefined, state: "stopped", restarts: 0 },
  ]);
  // Cut short, and said so: what its onStop handler was doing did not finish.
  assert.equal(
    errors[0]?.message,
    "worker 0 did not finish its stop work (its onStop handlers, its running handlers) within " +
      "stopTimeout (300 ms): it was told to exit",
  );
  assert.equal((errors[0] as SwitchboardError).peer, 0);
});

Deno.test("a child stuck in its stop work, met by a stop during its reload, is reported once as late and once as killed", async () => {
  const cluster = await Cluster.start({
    worker: fixture("busy_stop_worker.ts"),
    workers: 1,
    stopTimeout: 300,
  });
  const errors: Error[] = [];
  cluster.onError((error) => errors.push(error));
  const reloading = nextEvent<LifecycleEvent>(
    (listener) => cluster.onLifecycle(listener),
    "the reload event",
    (event) => event.type === "reload",
  );
  const reload = cluster.reload(0).catch((error: Error) => error);
  await reloading;
  // The reload and the stop both wait for its stop work.
  await waitFor(cluster.stop(), "stop() to finish");
  assert.ok(await reload instanceof ClosedError);
  assert.deepEqual(errors.map((error) => error.message), [
    "worker 0 did not finish its stop work (its onStop handlers, its running handlers) within " +
    "stopTimeout (300 ms): it was told to exit",
    "worker 0 did not exit within stopTimeout (300 ms) after it was told to: it was killed",
  ]);
});

Deno.test("every child exits within 2 seconds of the manager being killed", async () => {
  const manager = managerProcess("manager.ts").spawn();
  // The children share the manager's stdout: the pipe ends only once every
  // process holding it has exited.
  const lines = manager.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = await waitFor(lines.read(), "the manager to start");
  const dir = first.value?.match(/ready (\S+)/)?.[1];
  assert.ok(dir, `unexpected output: ${first.value}`);

  manager.kill("SIGKILL");
  await manager.status;
  const killed = performance.now();
  await waitFor(
    (async () => {
      while (!(await lines.read()).done);
    })(),
    "the children to exit after the manager was killed",
    2_000,
  );
  console.log(`children gone ${(performance.now() - killed).toFixed(0)} ms after the manager`);
  // Each child closed its own listener on the way out; the dead manager's remains.
  assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["m.sock"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a handler still running when stopTimeout passes holds the stop once, not twice", async () => {
  await using cluster = await startCluster({ workers: 1, processes: {}, stopTimeout: 2000 });
  const [held] = await hold(cluster, [0]);
  const failed = held.catch((error) => error);
  const start = performance.now();
  await waitFor(cluster.stop(), "stop() to finish");
  const ms = performance.now() - start;
  // The first phase waits the handler out; told to exit then, before it said
  // $stopped, the worker closes at once rather than wait for it a second time.
  assert.ok(ms < 3500, `stop() took ${ms.toFixed(0)} ms with a stopTimeout of 2000`);
  assert.ok(await failed instanceof Error);
});

Deno.test("the manager's own stop handler that never settles holds its stop for stopTimeout only, and is reported", async () => {
  const cluster = await startCluster({ workers: 1, stopTimeout: 200 });
  const pids = [0, "logger"].map((address) => cluster.pid(address)!);
  const reported = nextEvent<Error>((listener) => cluster.onError(listener), "the report");
  cluster.onStop(() => new Promise<void>(() => {}));
  // Before, this waited for ever, and the children ran on.
  await waitFor(cluster.stop(), "stop() to finish");
  const error = await reported;
  assert.equal(
    error.message,
    "The manager's stop handlers (onStop) did not finish within stopTimeout (200 ms): the " +
      "children are stopped now",
  );
  assert.equal((error as SwitchboardError).peer, "manager");
  assert.ok(!pids.some(isRunning), "the children stopped");
});
