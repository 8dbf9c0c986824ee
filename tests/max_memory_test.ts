/**
 * The memory limit (`maxMemory`) with real processes: a worker that grows
 * past it is replaced gracefully while `ANY` is answered, one under it is
 * never touched, and one over it at every start is given up. The managers
 * run as subprocesses with `--allow-all` (`fixtures/memory_manager.ts`), as
 * Deno 2.9 reads `/proc` with nothing less; the suite's own permissions,
 * narrower, show the error a manager without it gets. The option is checked.
 */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions, type LifecycleEvent } from "../mod.ts";
import { checkMemoryReadable, MEBIBYTE } from "../src/resident_memory.ts";
import { LIMIT } from "./fixtures/memory_manager.ts";
import { SERVICE, waitFor, WORKER } from "./helpers.ts";

const MANAGER = new URL("./fixtures/memory_manager.ts", import.meta.url);

/** Runs `fixtures/memory_manager.ts` on `scenario`, and returns the result it printed. */
async function played(scenario: string): Promise<Record<string, unknown>> {
  const manager = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MANAGER.href, scenario],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const { code, stdout } = await waitFor(manager.output(), `the "${scenario}" scenario`, 60_000);
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  assert.equal(code, 0, lines.join("\n"));
  return JSON.parse(lines.at(-1)!).result;
}

Deno.test("a worker over maxMemory is replaced gracefully while ANY is answered, and one under it never is", async () => {
  const result = await played("replace") as {
    eventsWhileUnder: number;
    errorsWhileUnder: number;
    events: LifecycleEvent[];
    errors: { name: string; message: string; peer: unknown; rss: number; maxMemory: number }[];
    stopped: unknown[];
    answeredBy: Record<string, number>;
    answeredDuring: Record<string, number>;
    failed: string[];
    before: Record<string, number>;
    after: Record<string, number>;
    newAnswers: unknown;
  };
  // Several intervals with worker 0 grown under the limit, and the service
  // whose own `maxMemory: false` lifts it held far over it: nothing.
  assert.equal(result.eventsWhileUnder, 0);
  assert.equal(result.errorsWhileUnder, 0);
  assert.ok(result.answeredBy["0"] > 0 && result.answeredBy["1"] > 0, "both answered ANY");
  // Worker 1 grown over it: replaced as a reload replaces it, and said so.
  assert.deepEqual(result.events, [
    { type: "reload", address: 1, reason: "memory" },
    { type: "ready", address: 1 },
  ]);
  assert.equal(result.errors.length, 1);
  const [error] = result.errors;
  assert.equal(error.name, "MemoryLimitError");
  assert.equal(error.peer, 1);
  assert.equal(error.maxMemory, LIMIT);
  assert.ok(error.rss > LIMIT, `${error.rss} bytes held`);
  assert.match(
    error.message,
    /^worker 1 used \d+(\.\d)? MiB, over maxMemory \(250 MiB\): it is replaced$/,
  );
  assert.deepEqual(result.stopped, [1], "its onStop handlers ran");
  // Requests to ANY went on all along, worker 0 answering while 1 was replaced.
  assert.deepEqual(result.failed, []);
  const during = result.answeredDuring;
  assert.deepEqual(
    Object.keys(during),
    ["0"],
    `ANY passed worker 1 over: ${JSON.stringify(during)}`,
  );
  assert.ok(during["0"] > 0);
  assert.equal(result.after["0"], result.before["0"]);
  assert.equal(result.after.free, result.before.free);
  assert.notEqual(result.after["1"], result.before["1"]);
  assert.equal(result.newAnswers, 1);
});

Deno.test("a service over its own maxMemory at every start is given up once replaced maxRestarts times", async () => {
  const result = await played("always") as {
    events: LifecycleEvent[];
    errors: { name: string; message: string; peer: unknown }[];
    hog: { state: string; pid?: number };
    worker: unknown;
  };
  assert.deepEqual(result.events, [
    { type: "reload", address: "hog", reason: "memory" },
    { type: "ready", address: "hog" },
    { type: "reload", address: "hog", reason: "memory" },
    { type: "ready", address: "hog" },
    { type: "fatal", address: "hog", restarts: 2, period: 60_000 },
  ]);
  assert.deepEqual(result.errors.map((e) => [e.name, e.peer]), [
    ["MemoryLimitError", "hog"],
    ["MemoryLimitError", "hog"],
    ["MemoryLimitError", "hog"],
    ["SwitchboardError", "hog"],
  ]);
  assert.match(result.errors[2].message, /: it is stopped, and stays down$/);
  assert.match(
    result.errors[3].message,
    /^service "hog" used \d+(\.\d)? MiB, over maxMemory \(250 MiB\), after 2 restarts within 60000 ms; it stays down$/,
  );
  assert.equal(result.hog.state, "failed");
  assert.equal(result.hog.pid, undefined);
  // escalate: false, the cluster runs on.
  assert.equal(result.worker, 0);
});

Deno.test("Cluster.start() with maxMemory fails at once, naming the flag, in a manager without --allow-all", async () => {
  await assert.rejects(
    Cluster.start({ worker: WORKER, workers: 1, maxMemory: 512 * MEBIBYTE }),
    (error: Error) => {
      assert.ok(error instanceof Deno.errors.NotCapable, String(error));
      assert.equal(
        error.message,
        `Cluster.start(): "maxMemory" needs the manager to read each child's /proc/<pid>/status, ` +
          `which Deno allows only with --allow-all: run the manager with -A (--allow-read=/proc ` +
          `is not enough), or leave maxMemory out`,
      );
      return true;
    },
  );
  // A service's own limit asks the same.
  await assert.rejects(
    Cluster.start({
      workers: 0,
      processes: { svc: { module: SERVICE, maxMemory: 512 * MEBIBYTE } },
    }),
    Deno.errors.NotCapable,
  );
  // Lifted for every child that would have one, nothing is read, and the cluster starts.
  await using cluster = await Cluster.start({
    workers: 0,
    maxMemory: 512 * MEBIBYTE,
    processes: { svc: { module: SERVICE, maxMemory: false } },
  });
  assert.equal(typeof cluster.pid("svc"), "number");
});

Deno.test("maxMemory is refused where there is no /proc, saying it is Linux's", () => {
  assert.throws(() => checkMemoryReadable("darwin"), (error: Error) => {
    assert.ok(error instanceof Deno.errors.NotSupported);
    assert.equal(
      error.message,
      `Cluster.start(): "maxMemory" reads each child's memory in /proc, which Linux has and ` +
        `darwin does not: leave maxMemory out here`,
    );
    return true;
  });
});

Deno.test("Cluster.start() refuses a maxMemory that is not false or bytes, naming the option", async () => {
  const cases: [unknown, string][] = [
    [512, "512 (it is in bytes: write 512 * 1024 * 1024 for 512 MiB)"],
    ["512M", '"512M" (a number of bytes, not a string: 512 * 1024 * 1024 for 512 MiB)'],
    [0, "0"],
    [-1, "-1"],
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    [true, "true"],
  ];
  for (const [value, shown] of cases) {
    await assert.rejects(
      Cluster.start({ workers: 0, maxMemory: value as number }),
      (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.equal(
          error.message,
          `Cluster.start(): "maxMemory" must be false or a number of bytes of at least 1 MiB ` +
            `(1048576), got ${shown}`,
        );
        return true;
      },
    );
  }
  await assert.rejects(
    Cluster.start({ workers: 0, processes: { svc: { module: SERVICE, maxMemory: 100 } } }),
    (error: Error) =>
      error instanceof TypeError &&
      error.message.startsWith('Service "svc": "maxMemory" must be false or a number of bytes'),
  );
  await assert.rejects(
    Cluster.start({ worker: WORKER, workers: 1, maxMemory: 512 * MEBIBYTE, restart: false }),
    (error: Error) =>
      error instanceof TypeError &&
      error.message ===
        'Cluster.start(): "maxMemory" (worker 0 has one) replaces a child over it, which counts ' +
          'as a restart, and "restart" is false: give restart options, or leave maxMemory out',
  );
  // The types say so too: bytes, as a number, or false.
  // @ts-expect-error PM2's "512M" is no size here.
  const pm2: ClusterOptions = { maxMemory: "512M" };
  // @ts-expect-error true is no limit.
  const on: ClusterOptions = { processes: { svc: { module: SERVICE, maxMemory: true } } };
  assert.ok(pm2 && on);
  await assert.rejects(
    Cluster.start(
      { workers: 0, maxMemroy: 1 } as unknown as Parameters<typeof Cluster.start>[0],
    ),
    /has no option "maxMemroy": did you mean "maxMemory"\?/,
  );
});
