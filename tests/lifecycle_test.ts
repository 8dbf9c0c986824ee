/** Start, readiness, stop, and what happens when the manager dies. */

import assert from "node:assert/strict";
import {
  Cluster,
  DEFAULT_RESTART,
  DEFAULTS,
  FrameError,
  type LifecycleEvent,
  MANAGER,
  type Schemas,
  SwitchboardError,
} from "../mod.ts";
import { isRunning, nextMessage, Recorder, startCluster, WAIT, waitFor } from "./helpers.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/**
 * Runs `start` and gives the temporary directories this process made
 * meanwhile. Watching what this process makes, not listing /tmp, so that
 * another suite's clusters starting beside this one are not counted.
 */
async function tempDirsMadeBy(start: () => Promise<unknown>): Promise<string[]> {
  const makeTempDir = Deno.makeTempDir;
  const made: string[] = [];
  Deno.makeTempDir = async (options) => {
    const dir = await makeTempDir(options);
    made.push(dir);
    return dir;
  };
  try {
    await start();
  } finally {
    Deno.makeTempDir = makeTempDir;
  }
  return made;
}

Deno.test("stop() leaves no child process, no socket file and no directory", async () => {
  const cluster = await startCluster();
  const pids = [0, 1, 2, "logger"].map((address) => cluster.pid(address)!);
  const dir = cluster.socketDir;
  assert.ok(pids.every(isRunning));
  assert.deepEqual(
    [...Deno.readDirSync(dir)].map((entry) => entry.name).sort(),
    ["m.sock", "s0.sock", "w0.sock", "w1.sock", "w2.sock"],
  );
  assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700, "the socket directory is private");
  await cluster.stop();
  assert.ok(!pids.some(isRunning));
  assert.equal(await exists(dir), false);
  await cluster.stop(); // idempotent
  await cluster.close();
});

Deno.test("start() fails clearly when a child exits before it is ready, and cleans up", async () => {
  const made = await tempDirsMadeBy(() =>
    assert.rejects(
      Cluster.start({
        worker: fixture("worker.ts"),
        workers: 1,
        processes: { bad: fixture("crashing_worker.ts") },
      }),
      /^SwitchboardError: service "bad" exited with code 1 before it was ready$/,
    )
  );
  assert.equal(made.length, 1, "it made its socket directory");
  assert.equal(await exists(made[0]), false, "its socket directory is gone");
});

Deno.test("start() fails clearly when a child does not connect or does not become ready in time", async () => {
  await assert.rejects(
    Cluster.start({ worker: fixture("idle_worker.ts"), workers: 1, startTimeout: 1_000 }),
    /Cluster did not start within 1000 ms: worker 0 did not connect \(did it call connect\(\)\?\)/,
  );
  await assert.rejects(
    Cluster.start({ worker: fixture("unready_worker.ts"), workers: 1, startTimeout: 1_000 }),
    /worker 0 connected but did not become ready \(did it call ready\(\)\? A process in another language sends \$ready\)/,
  );
  // A process in another language that had its go-ahead and never said `$running`.
  await assert.rejects(
    Cluster.start({
      workers: 0,
      processes: { node: { command: ["node", fixture("no_running_service.mjs").pathname] } },
      startTimeout: 2_000,
      // It does not answer $stop either: killed after this.
      stopTimeout: 200,
    }),
    /service "node" had the go-ahead but never sent \$running \(see README "Protocol"\)/,
  );
});

Deno.test("a second $running from a foreign child is ignored: no ready event for a restart that never was", async () => {
  const cluster = await Cluster.start({
    workers: 0,
    processes: { node: { command: ["node", fixture("twice_running_service.mjs").pathname] } },
    // It does not answer $stop: killed after this.
    stopTimeout: 200,
  });
  try {
    const events: LifecycleEvent[] = [];
    cluster.onLifecycle((event) => void events.push(event));
    const saidTwice = nextMessage(cluster, "saidTwice");
    cluster.getProcess("node").send("again", undefined);
    await saidTwice;
    // Before, every process heard {type: "ready", address: "node"}.
    assert.deepEqual(events, []);
    assert.deepEqual(
      cluster.stats().children.map(({ state, restarts }) => ({ state, restarts })),
      [{ state: "ready", restarts: 0 }],
    );
  } finally {
    cluster.onError(() => {});
    await cluster.stop();
  }
});

Deno.test("a child refused by its manager fails start() with the reason, not only a console line", async () => {
  const error = await Cluster.start({
    workers: 0,
    processes: { node: { command: ["node", fixture("wrong_token_service.mjs").pathname] } },
    startTimeout: 5_000,
  }).then(() => undefined, (thrown) => thrown);
  assert.ok(error instanceof SwitchboardError);
  // It exits as its manager's connection closes, long before startTimeout.
  assert.equal(
    error.message,
    'service "node" exited with code 1 before it was ready, after: Refused a connection to the ' +
      'manager that said it was service "node": its token is wrong',
  );
  assert.ok(error.cause instanceof FrameError);
  assert.equal(error.cause.peer, "node");
});

Deno.test("a child with async setup marks itself ready, and start() waits for it", async () => {
  await using cluster = await Cluster.start({
    worker: fixture("slow_setup_worker.ts"),
    workers: 2,
  });
  const seen = new Recorder<{ by: number; setUp: string }>(cluster, "seen");
  assert.equal(cluster.sendMessage("test", 1), 2);
  const data = await seen.until((d) => d.length === 2);
  assert.ok(data.every((s) => s.setUp === "set up"));
});

Deno.test("messages children send during start-up wait for the manager's listeners", async () => {
  // Each fixture worker reports its start-up to the manager before start()
  // resolves; the listener registered after `await Cluster.start()` gets them.
  await using cluster = await Cluster.start({ worker: fixture("greeting_worker.ts"), workers: 2 });
  const hellos = new Recorder<{ by: number }>(cluster, "hello");
  const data = await hellos.until((d) => d.length === 2);
  assert.deepEqual(data.map((h) => h.by).sort(), [0, 1]);
  assert.equal(cluster.id, MANAGER);
});

Deno.test("messages a child holds until ready reach listeners registered long after ready()", async () => {
  await using cluster = await Cluster.start({ worker: fixture("held_worker.ts"), workers: 2 });
  const got = new Recorder<{ from: number }>(cluster, "got");
  assert.deepEqual(await got.until((d) => d.length === 1), [{ from: 1 }]);
});

Deno.test("Cluster.start() refuses invalid options", async () => {
  await assert.rejects(Cluster.start({ workers: 2 }), /needs a "worker" module for 2 workers/);
  await assert.rejects(Cluster.start({ workers: 1 }), /needs a "worker" module for 1 worker$/);
  await assert.rejects(
    Cluster.start({ workers: 0, processes: { manager: "x.ts" } }),
    /cannot be named "manager"/,
  );
  await assert.rejects(Cluster.start({ workers: -1 }), /"workers" must be an integer >= 0/);
  await assert.rejects(
    Cluster.start({ workers: 0, maxFrameSize: 0 }),
    /"maxFrameSize" must be a finite number above 0/,
  );
  // A string is shown as one: "1000" given for a number does not read as 1000.
  await assert.rejects(
    Cluster.start({ workers: 0, requestTimeout: "1000" as unknown as number }),
    /"requestTimeout" must be a finite number above 0, got "1000"$/,
  );
  await assert.rejects(
    Cluster.start({ workers: "2" as unknown as number }),
    /"workers" must be a count or a list of ids, got "2"$/,
  );
  await assert.rejects(
    Cluster.start({ workers: 0, schemas: 5 as unknown as Schemas }),
    /Cluster.start\(\): "schemas" must be an object of schemas by action, got number/,
  );
  await assert.rejects(
    Cluster.start({ workers: "x" as unknown as number, processes: Object.create(null) }),
    /"workers" must be a count or a list of ids, got "x"$/,
  );
  await assert.rejects(
    Cluster.start({ workers: Object.create(null) }),
    /"workers" must be a count or a list of ids, got \[object Object\]$/,
  );
  await assert.rejects(
    Cluster.start({ workers: 0, schemas: { greet: {} } as unknown as Schemas }),
    /Cluster.start\(\): the schema of "greet" is not one in the Standard Schema form/,
  );
  // Above maxQueuedBytes less the largest message, drain() could resolve while a send of
  // the largest size was refused: a sender that drains and retries would spin.
  await assert.rejects(
    Cluster.start({ workers: 0, highWaterMark: 50 * 1024 * 1024 }),
    /"highWaterMark" \(52428800\) must be at most "maxQueuedBytes" less "maxFrameSize" \+ 4 \(50331644\): above it, drain\(\) could resolve while a message of the largest size is still refused/,
  );
  await assert.rejects(
    Cluster.start({ workers: 0, maxFrameSize: 5000, maxQueuedBytes: 5000 }),
    /"maxQueuedBytes" \(5000\) must be at least "maxFrameSize" \+ 4 \(5004\)/,
  );
  // Smaller, the library's own frames would not fit: a lifecycle event would be refused.
  await assert.rejects(
    Cluster.start({ workers: 0, maxFrameSize: 64 }),
    /"maxFrameSize" must be at least 4096 bytes, the room control frames need, got 64/,
  );
  await assert.rejects(
    Cluster.start({ workers: 0, maxFrameSize: 2 ** 32, maxQueuedBytes: 2 ** 33 }),
    /"maxFrameSize" must be at most 4294967295 bytes, what a frame's 4-byte length can say, got 4294967296/,
  );
  await assert.rejects(
    Cluster.start({ workers: 0, processes: { x: {} as { module: string } } }),
    /Service "x" needs a module/,
  );
  // Past the timers' range, setTimeout fires at once: a long wait would be none.
  await assert.rejects(
    Cluster.start({ workers: 0, stopTimeout: 1e10 }),
    /^TypeError: "stopTimeout" must be at most 2147483647 ms \(about 24\.8 days, the timers' range\), got 10000000000$/,
  );
  await assert.rejects(
    Cluster.start({ workers: 0, startTimeout: 2 ** 31 }),
    /"startTimeout" must be at most/,
  );
  await assert.rejects(
    Cluster.start({ workers: 0, restart: { maxBackoff: 1e10 } }),
    /"restart\.maxBackoff" must be at most 2147483647 ms/,
  );
});

Deno.test("a restart option given as undefined keeps its default; the defaults cannot be changed", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    restart: { maxRestarts: undefined, backoff: 50 },
    requestTimeout: undefined,
    processes: { logger: undefined },
  });
  assert.equal(cluster.workerCount, 0);
  assert.deepEqual(cluster.stats().children, [], "a service given undefined is not given");
  // A change would change every cluster the process starts later.
  assert.throws(() => (DEFAULT_RESTART as { maxRestarts: number }).maxRestarts = 0, TypeError);
  assert.throws(() => (DEFAULTS as { stopTimeout: number }).stopTimeout = 0, TypeError);
  assert.equal(DEFAULT_RESTART.maxRestarts, 5);
});

Deno.test("a small maxQueuedBytes lowers the default highWaterMark rather than being refused", async () => {
  // Room for one message of the largest size and no more: drain() waits until nothing is queued.
  await using cluster = await Cluster.start({
    worker: fixture("worker.ts"),
    workers: 1,
    maxFrameSize: 8192,
    maxQueuedBytes: 8196,
  });
  for (let i = 0; i < 3; i++) {
    assert.equal(cluster.sendMessage("note", "x".repeat(8000), 0), 1);
    await waitFor(cluster.drain(0), "the drain");
  }
  const answer = await cluster.request("echoRequest", "y", { to: 0 }) as { data: string };
  assert.equal(answer.data, "y");
});

Deno.test("connect() outside a cluster fails with a clear error", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", fixture("worker.ts").href],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  });
  const { code, stderr } = await child.output();
  assert.equal(code, 1);
  assert.match(
    new TextDecoder().decode(stderr),
    /connect\(\) found no bootstrap \(stdin ended without one\): run this module through Cluster\.start\(\)/,
  );
});

Deno.test("a manager not ready yet still gets answers to its own requests", async () => {
  await using cluster = await Cluster.start({
    worker: fixture("worker.ts"),
    workers: 1,
    ready: false,
  });
  // Held messages wait for ready(); answers do not, or this would time out.
  assert.deepEqual(await cluster.request("testRequest", { time: 5 }, { to: 0, timeout: WAIT }), {
    time: 5,
    by: 0,
  });
  cluster.ready();
});

Deno.test("a schemas entry left undefined is an action without a schema", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    schemas: { note: undefined } as unknown as Schemas,
    signals: false,
  });
  const got = nextMessage(cluster, "note");
  cluster.sendMessage("note", { any: "data" }, MANAGER);
  assert.deepEqual((await got).data, { any: "data" });
});
