/**
 * A service's own supervision settings (`restart`, `stopTimeout`,
 * `escalate`), each overriding the cluster's for that service alone: with
 * real processes beside workers that keep the cluster's, and the option
 * checks. The functions `typesOfServiceSupervision` is made of are checked
 * by `deno check`, never run: each `@ts-expect-error` line must be a type
 * error.
 */

import assert from "node:assert/strict";
import {
  Cluster,
  type ClusterOptions,
  DEFAULT_RESTART,
  type LifecycleEvent,
  type ServiceOptions,
  type SwitchboardError,
} from "../mod.ts";
import { managerConfig } from "../src/manager_config.ts";
import {
  event,
  isRunning,
  nextEvent,
  Recorder,
  SERVICE,
  startCluster,
  waitFor,
} from "./helpers.ts";

const SLOW_STOP_SERVICE = new URL("./fixtures/slow_stop_service.ts", import.meta.url);

/** A service stuck in its stop work, with its own stopTimeout of 400 ms. */
const STUCK_SERVICE: ServiceOptions = {
  module: new URL("./fixtures/busy_stop_worker.ts", import.meta.url),
  stopTimeout: 400,
};

/** What the cluster reports of {@linkcode STUCK_SERVICE}, as "stuck", in its stop: told to exit at 400 ms, killed 400 ms after. */
const STUCK_TOLD_AND_KILLED = [
  'service "stuck" did not finish its stop work (its onStop handlers, its running handlers) ' +
  "within stopTimeout (400 ms): it was told to exit",
  'service "stuck" did not exit within stopTimeout (400 ms) after it was told to: it was killed',
];

/** The errors `cluster` reports, from now on. */
function errorsOf(cluster: Cluster): Error[] {
  const errors: Error[] = [];
  cluster.onError((error) => errors.push(error));
  return errors;
}

export function typesOfServiceSupervision(): ServiceOptions[] {
  return [
    { module: "./db.ts", restart: false, stopTimeout: 30_000, escalate: false },
    { command: ["node", "svc.mjs"], restart: { maxRestarts: 20 }, escalate: true },
    { module: "./db.ts", restart: true },
    // @ts-expect-error: a restart policy is true, false or restart options
    { module: "./db.ts", restart: "false" },
    // @ts-expect-error: no such restart option
    { module: "./db.ts", restart: { maxRestart: 3 } },
    // @ts-expect-error: stopTimeout is a number of ms
    { command: ["node", "svc.mjs"], stopTimeout: false },
    // @ts-expect-error: escalate is a boolean
    { module: "./db.ts", escalate: "false" },
  ];
}

Deno.test("a service's restart: false keeps it down while the workers are restarted by the cluster's policy", async () => {
  await using cluster = await startCluster({
    processes: { logger: { module: SERVICE, restart: false } },
  });
  const errors = errorsOf(cluster);
  const loggerExit = event(cluster, "exit", "logger");
  Deno.kill(cluster.pid("logger")!, "SIGKILL");
  assert.deepEqual(await loggerExit, {
    type: "exit",
    address: "logger",
    code: 137,
    signal: "SIGKILL",
    restart: false,
  });
  const workerExit = event(cluster, "exit", 0);
  const workerReady = event(cluster, "ready", 0);
  Deno.kill(cluster.pid(0)!, "SIGKILL");
  const exit = await workerExit;
  assert.ok(exit.type === "exit" && exit.restart, "the worker is restarted");
  await workerReady;
  assert.equal(((await cluster.request("echoRequest", {}, { to: 0 })) as { by: number }).by, 0);
  const stats = cluster.stats().children;
  assert.equal(stats.find((c) => c.address === "logger")!.state, "stopped");
  assert.deepEqual(stats.find((c) => c.address === 0)!.restarts, 1);
  assert.equal(errors[0]?.message, 'service "logger" exited unexpectedly on signal SIGKILL');
});

Deno.test("a service's own maxRestarts gives it up at its own count, its other options the cluster's", async () => {
  // No worker: start() resolves the moment the service is ready, well
  // before its first exit, 100 ms later.
  await using cluster = await Cluster.start({
    workers: 0,
    processes: {
      flaky: {
        module: new URL("./fixtures/dying_service.ts", import.meta.url),
        restart: { maxRestarts: 1 },
      },
    },
    restart: { maxRestarts: 5, period: 30_000, backoff: 10 },
    escalate: false,
  });
  const events: LifecycleEvent[] = [];
  cluster.onLifecycle((e) => events.push(e));
  const errors = errorsOf(cluster);
  assert.deepEqual(await event(cluster, "fatal", "flaky"), {
    type: "fatal",
    address: "flaky",
    restarts: 1,
    // The cluster's period: the service gave only maxRestarts.
    period: 30_000,
  });
  assert.deepEqual(events.map((e) => e.type), ["exit", "restart", "ready", "exit", "fatal"]);
  assert.equal(
    errors.at(-1)?.message,
    'service "flaky" exited with code 3 after 1 restart within 30000 ms; it stays down',
  );
});

Deno.test("a service's escalate: false lets the cluster run on without it, though the cluster escalates", async () => {
  await using cluster = await startCluster({
    processes: { logger: { module: SERVICE, restart: { maxRestarts: 0 }, escalate: false } },
  });
  let closed = false;
  cluster.closed.then(() => closed = true, () => closed = true);
  const fatal = event(cluster, "fatal", "logger");
  const reported = nextEvent<Error>(
    (listener) => cluster.onError(listener),
    "the give-up's report",
    (error) => /stays down/.test(error.message),
  );
  Deno.kill(cluster.pid("logger")!, "SIGKILL");
  await fatal;
  assert.equal((await reported as SwitchboardError).peer, "logger");
  // The cluster runs on: its workers answer, and it was not stopped.
  assert.equal(((await cluster.request("echoRequest", {}, { to: 1 })) as { by: number }).by, 1);
  assert.equal(closed, false);
  assert.equal(cluster.stats().children.find((c) => c.address === "logger")!.state, "failed");
});

Deno.test("a service's escalate: true stops the cluster, though the cluster's escalate is false", async () => {
  const cluster = await startCluster({
    workers: 2,
    restart: { maxRestarts: 0 },
    escalate: false,
    processes: { logger: { module: SERVICE, escalate: true } },
  });
  // A worker given up: the cluster's escalate: false, it runs on.
  const workerFatal = event(cluster, "fatal", 0);
  Deno.kill(cluster.pid(0)!, "SIGKILL");
  await workerFatal;
  assert.equal(((await cluster.request("echoRequest", {}, { to: 1 })) as { by: number }).by, 1);
  // The service given up: its own escalate: true stops the cluster.
  Deno.kill(cluster.pid("logger")!, "SIGKILL");
  await assert.rejects(
    waitFor(cluster.closed, "the cluster to stop"),
    (error: SwitchboardError) =>
      error.peer === "logger" &&
      error.message === 'service "logger" exited on signal SIGKILL after 0 restarts within ' +
          "60000 ms; it stays down",
  );
});

Deno.test("a service's longer stopTimeout lets its stop work run past the cluster's, in a stop and a reload", async () => {
  const cluster = await startCluster({
    workers: 1,
    stopTimeout: 300,
    processes: { db: { module: SLOW_STOP_SERVICE, args: ["800"], stopTimeout: 5_000 } },
  });
  const errors = errorsOf(cluster);
  const flushed = new Recorder<{ ms: number }>(cluster, "flushed");
  // A reload of it: its stop work is not cut short at the cluster's 300 ms.
  await waitFor(cluster.reload("db"), "the reload of db");
  await flushed.until((data) => data.length === 1, "db's flush in its reload");
  const pid = cluster.pid("db")!;
  await waitFor(cluster.stop(), "stop() to finish");
  assert.deepEqual(flushed.data, [{ ms: 800 }, { ms: 800 }]);
  assert.equal(isRunning(pid), false);
  assert.deepEqual(errors.map((error) => error.message), []);
});

Deno.test("a service's stop work past its own stopTimeout is cut short, and said so", async () => {
  const cluster = await startCluster({
    workers: 1,
    processes: { db: { module: SLOW_STOP_SERVICE, args: ["3000"], stopTimeout: 500 } },
  });
  const errors = errorsOf(cluster);
  const flushed = new Recorder<{ ms: number }>(cluster, "flushed");
  const pid = cluster.pid("db")!;
  await waitFor(cluster.stop(), "stop() to finish");
  assert.equal(isRunning(pid), false);
  assert.deepEqual(flushed.data, []);
  assert.deepEqual(errors.map((error) => error.message), [
    'service "db" did not finish its stop work (its onStop handlers, its running handlers) ' +
    "within stopTimeout (500 ms): it was told to exit",
  ]);
});

Deno.test("in the cluster's stop, a service past its own stopTimeout is told to exit then, not once a slower sibling is done", async () => {
  const cluster = await startCluster({
    workers: 1,
    stopTimeout: 300,
    processes: {
      plain: { module: SLOW_STOP_SERVICE, args: ["2000"] },
      db: { module: SLOW_STOP_SERVICE, args: ["2600"], stopTimeout: 5_000 },
    },
  });
  const errors = errorsOf(cluster);
  const flushed = new Recorder<{ ms: number }>(cluster, "flushed");
  await waitFor(cluster.stop(), "stop() to finish");
  // Before, "plain" ran its whole flush (db's phase was the tier's), and
  // nothing was said of its 300 ms (trial 27).
  assert.deepEqual(flushed.data, [{ ms: 2600 }]);
  assert.deepEqual(errors.map((error) => error.message), [
    'service "plain" did not finish its stop work (its onStop handlers, its running handlers) ' +
    "within stopTimeout (300 ms): it was told to exit",
  ]);
});

Deno.test("a service stuck in its stop work is told to exit and killed at its own stopTimeout, not the cluster's", async () => {
  const cluster = await startCluster({
    workers: 1,
    stopTimeout: 5_000,
    processes: {
      stuck: STUCK_SERVICE,
    },
  });
  const errors = errorsOf(cluster);
  const pid = cluster.pid("stuck")!;
  await waitFor(cluster.stop(), "stop() to finish");
  assert.equal(isRunning(pid), false);
  assert.deepEqual(errors.map((error) => error.message), STUCK_TOLD_AND_KILLED);
});

Deno.test("in the cluster's stop, a service stuck past its own stopTimeout is killed its own stopTimeout after it was told to exit, not after a slower sibling's stop work", async () => {
  const cluster = await startCluster({
    workers: 1,
    stopTimeout: 5_000,
    processes: {
      stuck: STUCK_SERVICE,
      db: { module: SLOW_STOP_SERVICE, args: ["3000"] },
    },
  });
  const errors = errorsOf(cluster);
  const pid = cluster.pid("stuck")!;
  // Told to exit at 400 ms, killed at 800; db says "flushed" at 3000.
  const stuckAtFlush: boolean[] = [];
  cluster.on("flushed", () => void stuckAtFlush.push(isRunning(pid)));
  await waitFor(cluster.stop(), "stop() to finish");
  // Before, its kill waited for db's first phase to end, 3400 ms in.
  assert.deepEqual(stuckAtFlush, [false]);
  assert.deepEqual(errors.map((error) => error.message), STUCK_TOLD_AND_KILLED);
});

/** The options of one service, `svc`, with the cluster's `options`. */
function withService(service: ServiceOptions, options: ClusterOptions = {}): ClusterOptions {
  return { workers: 0, ...options, processes: { svc: service } };
}

Deno.test("a service's restart options complete the cluster's policy, or the defaults when it has none", () => {
  const own = (service: ServiceOptions, options?: ClusterOptions) =>
    managerConfig(withService(service, options)).children.get("svc");
  const cluster = { restart: { backoff: 10, period: 30_000 } };
  assert.deepEqual(own({ module: SERVICE, restart: { maxRestarts: 1 } }, cluster)?.restart, {
    ...DEFAULT_RESTART,
    backoff: 10,
    period: 30_000,
    maxRestarts: 1,
  });
  assert.deepEqual(own({ module: SERVICE, restart: true }, cluster)?.restart, {
    ...DEFAULT_RESTART,
    backoff: 10,
    period: 30_000,
  });
  assert.deepEqual(
    own({ command: ["node", "s.mjs"], restart: { maxRestarts: 1 } }, { restart: false })?.restart,
    { ...DEFAULT_RESTART, maxRestarts: 1 },
  );
  assert.equal(own({ module: SERVICE, restart: false })?.restart, null);
  // Not given (or null, from a JSON config): the cluster's apply.
  const none = own({
    module: SERVICE,
    restart: null as unknown as false,
    stopTimeout: null as unknown as number,
    escalate: null as unknown as boolean,
  })!;
  assert.deepEqual(
    [none.restart, none.stopTimeout, none.escalate],
    [undefined, undefined, undefined],
  );
  const given = own({ module: SERVICE, stopTimeout: 30_000, escalate: false })!;
  assert.deepEqual([given.stopTimeout, given.escalate], [30_000, false]);
});

Deno.test("Cluster.start() refuses a service's restart, stopTimeout or escalate naming the service and the option", async () => {
  const refusals: [ServiceOptions, string][] = [
    [
      { module: SERVICE, restart: "false" as unknown as false },
      'Service "svc": "restart" must be true, false or restart options, got "false"',
    ],
    [
      { module: SERVICE, restart: { maxRestarts: 1.5 } },
      'Service "svc": "restart.maxRestarts" must be a whole number >= 0, got 1.5',
    ],
    [
      { module: SERVICE, restart: { backoff: -1 } },
      'Service "svc": "restart.backoff" must be a finite number >= 0, got -1',
    ],
    [
      { module: SERVICE, restart: { maxBackoff: 2 ** 31 } },
      'Service "svc": "restart.maxBackoff" must be at most 2147483647 ms (about 24.8 days, ' +
      "the timers' range), got 2147483648",
    ],
    [
      { module: SERVICE, restart: { maxRestart: 3 } as never },
      'Service "svc": "restart" has no option "maxRestart": did you mean "maxRestarts"?',
    ],
    [
      { module: SERVICE, stopTimeout: 0 },
      'Service "svc": "stopTimeout" must be a finite number of ms above 0, got 0',
    ],
    [
      { command: ["node", "s.mjs"], stopTimeout: "5000" as unknown as number },
      'Service "svc": "stopTimeout" must be a finite number of ms above 0, got "5000"',
    ],
    [
      { module: SERVICE, stopTimeout: 2 ** 31 },
      'Service "svc": "stopTimeout" must be at most 2147483647 ms (about 24.8 days, ' +
      "the timers' range), got 2147483648",
    ],
    [
      { module: SERVICE, escalate: "false" as unknown as boolean },
      'Service "svc": "escalate" must be true or false, got "false"',
    ],
    [
      { module: SERVICE, maxMemory: 64 * 1024 * 1024, restart: false },
      'Service "svc": "maxMemory" replaces a child over it, which counts as a restart, and ' +
      '"restart" is false for it: give restart options, or leave maxMemory out',
    ],
  ];
  for (const [service, message] of refusals) {
    await assert.rejects(
      Cluster.start(withService(service)),
      (error: Error) => {
        assert.ok(error instanceof TypeError, Deno.inspect(service));
        assert.equal(error.message, message);
        return true;
      },
    );
  }
  // Its own restart options lift the cluster's restart: false for a memory limit.
  assert.ok(
    managerConfig(withService(
      { module: SERVICE, maxMemory: 64 * 1024 * 1024, restart: { maxRestarts: 2 } },
      { restart: false },
    )).children.get("svc")?.restart,
  );
  assert.throws(
    () =>
      managerConfig(withService({ module: SERVICE, maxMemory: 64 * 1024 * 1024 }, {
        restart: false,
      })),
    /Cluster.start\(\): "maxMemory" \(service "svc" has one\)/,
  );
});
