/**
 * A service in another language: the Node.js reference peer
 * (`peers/node/`), started with `command`, messages and requests the
 * manager and Deno workers both ways, and lives and dies as a Deno child
 * does.
 */

import assert from "node:assert/strict";
import { frame } from "../peers/node/frames.mjs";
import { Cluster, type LifecycleEvent, MANAGER, RemoteError } from "../mod.ts";
import {
  isRunning,
  loadsThrough,
  nextEvent,
  nextMessage,
  Recorder,
  remote,
  WAIT,
  waitFor,
  WORKER,
} from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

/** Two Deno workers and the Node service "node". */
function startWithNode(): Promise<Cluster> {
  return Cluster.start({
    worker: WORKER,
    workers: 2,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
}

type Saw = { action: string; data: unknown; from: unknown };

Deno.test("the manager and a worker send to a Node service, which sees who sent what", async () => {
  await using cluster = await startWithNode();
  const saw = new Recorder<Saw>(cluster, "serviceSaw");
  assert.equal(cluster.getProcess("node").send("flush", { reason: "test" }), true);
  assert.deepEqual(
    await remote(cluster, 1, { op: "sendToProcess", name: "node", action: "log", data: [1] }),
    { ok: true },
  );
  const data = await saw.until((d) => d.length === 2);
  const byAction = Object.fromEntries(data.map((s) => [s.action, s]));
  assert.deepEqual(byAction.flush, { action: "flush", data: { reason: "test" }, from: MANAGER });
  assert.deepEqual(byAction.log, { action: "log", data: [1], from: 1 });
});

Deno.test("the manager and a worker request from a Node service and get its answers", async () => {
  await using cluster = await startWithNode();
  assert.deepEqual(await cluster.request("echoRequest", { n: 1 }, { to: "node" }), {
    data: { n: 1 },
    by: "node",
    from: MANAGER,
  });
  assert.deepEqual(
    await remote(cluster, 0, { op: "request", action: "echoRequest", data: { n: 2 }, to: "node" }),
    { ok: { data: { n: 2 }, by: "node", from: 0 } },
  );
  // What its handler throws comes back as in Deno.
  await assert.rejects(
    cluster.request("failRequest", undefined, { to: "node" }),
    (error: RemoteError) =>
      error instanceof RemoteError && error.remoteName === "TypeError" &&
      error.remoteMessage === "boom in node",
  );
  assert.deepEqual(
    await remote(cluster, 1, { op: "request", action: "failRequest", to: "node" }),
    {
      error: {
        name: "RemoteError",
        message: 'Request "failRequest" to service "node" failed: TypeError: boom in node',
      },
    },
  );
});

Deno.test("a Node service's async listener that rejects is reported, and the service serves on", async () => {
  await using cluster = await startWithNode();
  assert.equal(cluster.getProcess("node").send("rejectIt", null), true);
  // Asked after it, on the same connection: the service lived through it.
  assert.deepEqual(await cluster.request("echoRequest", 1, { to: "node" }), {
    data: 1,
    by: "node",
    from: MANAGER,
  });
  assert.deepEqual(await remote(cluster, "node", { op: "errors" }), {
    ok: ['A listener for "rejectIt" from the manager threw: async listener failed in node'],
  });
});

Deno.test("a Node service's listener that throws before it answers a request fails the request at once", async () => {
  await using cluster = await startWithNode();
  const asked = cluster.request("listenerThrowsRequest", {}, { to: "node", timeout: 60_000 });
  await assert.rejects(
    waitFor(asked, "the failure"),
    (error: unknown) =>
      error instanceof RemoteError && error.remoteName === "TypeError" &&
      error.remoteMessage === "listener blew up in node",
  );
  // The service's onError heard it too, as of any listener.
  assert.deepEqual(await remote(cluster, "node", { op: "errors" }), {
    ok: ['A listener for "listenerThrowsRequest" from the manager threw: listener blew up in node'],
  });
});

Deno.test("a Node service's request() takes an answer written by hand that echoes the messageId in its data", async () => {
  await using cluster = await startWithNode();
  assert.deepEqual(
    await remote(cluster, "node", {
      op: "request",
      action: "imiRequest",
      data: { messageId: "from node" },
      to: 1,
      timeout: WAIT,
    }),
    { ok: { messageId: "from node", by: 1 } },
  );
});

Deno.test("a Node service sends to every worker and to the manager", async () => {
  await using cluster = await startWithNode();
  const seen = new Recorder<{ by: number; from: unknown; data: unknown }>(cluster, "seen");
  assert.deepEqual(await remote(cluster, "node", { op: "send", action: "test", data: { n: 1 } }), {
    ok: 2,
  });
  const data = await seen.until((d) => d.length === 2);
  assert.deepEqual(data.map((s) => s.by).sort(), [0, 1]);
  assert.ok(data.every((s) => s.from === "node" && (s.data as { n: number }).n === 1));

  const hello = nextMessage(cluster, "hello");
  assert.deepEqual(
    await remote(cluster, "node", { op: "send", action: "hello", data: 1, to: MANAGER }),
    { ok: 1 },
  );
  const message = await hello;
  assert.equal(message.from, "node");
  assert.equal(message.data, 1);
});

Deno.test("a Node service requests from a worker and from the manager and gets the answers", async () => {
  await using cluster = await startWithNode();
  cluster.handle("askRequest", (data, msg) => ({ asked: data, by: MANAGER, from: msg.from }));
  const fromWorker = await remote(cluster, "node", {
    op: "request",
    action: "echoRequest",
    data: 8,
    to: 0,
  }) as { ok: { data: unknown; by: unknown; messageId: unknown } };
  assert.equal(fromWorker.ok.data, 8);
  assert.equal(fromWorker.ok.by, 0);
  assert.equal(typeof fromWorker.ok.messageId, "string");
  assert.deepEqual(
    await remote(cluster, "node", { op: "request", action: "askRequest", data: "hi", to: MANAGER }),
    { ok: { asked: "hi", by: MANAGER, from: "node" } },
  );
  // A worker's handler that throws, and a worker with no handler, seen from Node.
  assert.deepEqual(
    await remote(cluster, "node", { op: "request", action: "failRequest", to: 1 }),
    {
      error: {
        name: "RemoteError",
        message: 'Request "failRequest" to worker 1 failed: TypeError: boom in 1',
        action: "failRequest",
        peer: 1,
      },
    },
  );
  assert.deepEqual(
    await remote(cluster, "node", { op: "request", action: "nobodyRequest", to: 1 }),
    {
      error: {
        name: "NoHandlerError",
        message:
          'Request "nobodyRequest" to worker 1 failed: it has no handler for "nobodyRequest"',
        action: "nobodyRequest",
        peer: 1,
      },
    },
  );
  // One that is not there, and one that answers only once the request timed out.
  assert.deepEqual(
    await remote(cluster, "node", { op: "request", action: "echoRequest", to: 9 }),
    {
      error: {
        name: "UnreachableError",
        message: 'Request "echoRequest" to worker 9 failed: no such process',
        action: "echoRequest",
        peer: 9,
      },
    },
  );
  // Answered once the requester has given up (its own deadline and the
  // handler's fire at about the same time: the answer waits for the test).
  const late = Promise.withResolvers<string>();
  cluster.handle("lateRequest", () => late.promise);
  assert.deepEqual(
    await remote(cluster, "node", {
      op: "request",
      action: "lateRequest",
      to: MANAGER,
      timeout: 50,
    }),
    {
      error: {
        name: "TimeoutError",
        message: 'Request "lateRequest" to the manager timed out after 50 ms',
        action: "lateRequest",
        peer: MANAGER,
      },
    },
  );
  late.resolve("late");
  // The late answer is dropped there, and the service asks on.
  assert.deepEqual(
    await remote(cluster, "node", { op: "request", action: "askRequest", data: 2, to: MANAGER }),
    { ok: { asked: 2, by: MANAGER, from: "node" } },
  );
});

Deno.test("a Node service's request() refuses a misspelt option, and a signal gives it up, telling the worker", async () => {
  await using cluster = await startWithNode();
  assert.deepEqual(
    await remote(cluster, "node", {
      op: "request",
      action: "echoRequest",
      to: 0,
      options: { timout: 5 },
    }),
    { error: { name: "TypeError", message: 'Request "echoRequest" has no option "timout"' } },
  );
  const started = nextMessage(cluster, "loopStarted");
  const asked = remote(cluster, "node", {
    op: "request",
    action: "loopRequest",
    to: 0,
    until: "loop",
  });
  await started;
  const stopped = nextMessage(cluster, "loopStopped");
  assert.deepEqual(await remote(cluster, "node", { op: "abort", until: "loop" }), { ok: true });
  assert.deepEqual(await asked, {
    error: { name: "AbortError", message: "given up by the test" },
  });
  // The worker's handler was told, by $cancel: its signal aborted.
  const { reason, from } = (await stopped).data as { reason: string; from: unknown };
  assert.deepEqual({ reason, from }, { reason: "AbortError", from: "node" });
});

Deno.test("a Node service's handler signal stays unaborted for a requester that waits past the timers' range", async () => {
  await using cluster = await startWithNode();
  // 2^31 ms is past setTimeout's range, where Node would fire after 1 ms instead.
  assert.equal(
    await cluster.request("abortedRequest", { ms: 50 }, { to: "node", timeout: 2 ** 31 }),
    false,
  );
  // Within the range the deadline still holds.
  assert.equal(
    await cluster.request("abortedRequest", { ms: 50 }, { to: "node", timeout: 30_000 }),
    false,
  );
});

Deno.test("a Node service does its stop work and exits when the cluster stops", async () => {
  const cluster = await startWithNode();
  const goodbyes = new Recorder<{ by: unknown }>(cluster, "goodbye");
  const pid = cluster.pid("node")!;
  assert.equal(isRunning(pid), true);
  await waitFor(cluster.stop(), "stop() to finish");
  assert.ok(goodbyes.data.some((goodbye) => goodbye.by === "node"), "the Node service's goodbye");
  assert.equal(isRunning(pid), false);
  assert.deepEqual(cluster.stats().children.find((child) => child.address === "node"), {
    address: "node",
    pid: undefined,
    state: "stopped",
    restarts: 0,
  });
});

/** Resolves once the manager hears that `address` is ready again. */
function readyAgain(cluster: Cluster, address: string): Promise<LifecycleEvent> {
  return nextEvent<LifecycleEvent>(
    (listener) => cluster.onLifecycle(listener),
    `${address} ready again`,
    (event) => event.type === "ready" && event.address === address,
  );
}

Deno.test("a Node service that is killed is restarted with its name, and reached again both ways", async () => {
  await using cluster = await startWithNode();
  // Worker 0 has a connection to the old process, which dies with it.
  assert.deepEqual(
    await remote(cluster, 0, { op: "request", action: "echoRequest", data: 1, to: "node" }),
    { ok: { data: 1, by: "node", from: 0 } },
  );
  const events: LifecycleEvent[] = [];
  cluster.onLifecycle((event) => events.push(event));
  const ready = readyAgain(cluster, "node");
  const oldPid = cluster.pid("node")!;
  Deno.kill(oldPid, "SIGKILL");
  await ready;
  assert.deepEqual(events, [
    { type: "exit", address: "node", code: 137, signal: "SIGKILL", restart: true },
    { type: "restart", address: "node", attempt: 1 },
    { type: "ready", address: "node" },
  ]);
  assert.notEqual(cluster.pid("node"), oldPid);
  assert.equal(isRunning(oldPid), false);
  assert.deepEqual(await cluster.request("echoRequest", 2, { to: "node" }), {
    data: 2,
    by: "node",
    from: MANAGER,
  });
  assert.deepEqual(
    await remote(cluster, 0, { op: "request", action: "echoRequest", data: 3, to: "node" }),
    { ok: { data: 3, by: "node", from: 0 } },
  );
  const asked = await remote(cluster, "node", {
    op: "request",
    action: "echoRequest",
    data: 4,
    to: 0,
  }) as { ok: { data: unknown; by: unknown } };
  assert.deepEqual([asked.ok.data, asked.ok.by], [4, 0]);
});

Deno.test("SIGTERM to a Node service alone runs its stop work, and it is restarted", async () => {
  await using cluster = await startWithNode();
  const goodbye = nextMessage(cluster, "goodbye");
  const exited = nextEvent<LifecycleEvent>(
    (listener) => cluster.onLifecycle(listener),
    "the Node service's exit",
    (event) => event.type === "exit" && event.address === "node",
  );
  const ready = readyAgain(cluster, "node");
  Deno.kill(cluster.pid("node")!, "SIGTERM");
  assert.equal((await goodbye).from, "node");
  assert.deepEqual(await exited, {
    type: "exit",
    address: "node",
    code: 0,
    signal: null,
    restart: true,
  });
  await ready;
  assert.deepEqual(await cluster.request("echoRequest", 5, { to: "node" }), {
    data: 5,
    by: "node",
    from: MANAGER,
  });
});

Deno.test("reload() replaces a Node service once it has done its stop work", async () => {
  await using cluster = await startWithNode();
  const goodbye = nextMessage(cluster, "goodbye");
  const oldPid = cluster.pid("node")!;
  await waitFor(cluster.reload("node"), "the reload");
  assert.equal((await goodbye).from, "node");
  assert.notEqual(cluster.pid("node"), oldPid);
  assert.equal(isRunning(oldPid), false);
  assert.deepEqual(
    await remote(cluster, 1, { op: "request", action: "echoRequest", data: 6, to: "node" }),
    { ok: { data: 6, by: "node", from: 1 } },
  );
});

Deno.test("a Node service exits when its manager is killed, and removes its socket file", async () => {
  const manager = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-run",
      "--allow-read",
      "--allow-write=/tmp",
      "--allow-net",
      new URL("./fixtures/node_manager.ts", import.meta.url).href,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  // The children share the manager's stdout: it ends once every one has exited.
  const lines = manager.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = await waitFor(lines.read(), "the manager to start");
  const dir = first.value?.match(/ready (\S+)/)?.[1];
  assert.ok(dir, `unexpected output: ${first.value}`);
  assert.ok(Deno.statSync(`${dir}/s0.sock`), "the Node service's socket file");
  manager.kill("SIGKILL");
  await manager.status;
  await waitFor(
    (async () => {
      while (!(await lines.read()).done);
    })(),
    "the children to exit after the manager was killed",
  );
  assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["m.sock"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Cluster.start() refuses a service with both, neither, or Deno's options beside a command", async () => {
  const refuses = (service: unknown, message: RegExp) =>
    assert.rejects(
      Cluster.start({ workers: 0, processes: { svc: service as { command: string[] } } }),
      (error: Error) => error instanceof TypeError && message.test(error.message),
    );
  await refuses(
    { module: "svc.ts", command: ["node", "svc.mjs"] },
    /^Service "svc" has both a module and a command: give one$/,
  );
  await refuses({}, /^Service "svc" needs a module \(a path or URL\) or a command/);
  await refuses({ command: [] }, /^Service "svc" has an invalid "command"/);
  await refuses({ command: "node svc.mjs" }, /^Service "svc" has an invalid "command"/);
  await refuses({ command: ["node", 1] }, /^Service "svc" has an invalid "command"/);
  await refuses(
    { command: ["node"], permissions: { read: true } },
    /^Service "svc" runs a command, which takes no "permissions": they are Deno's/,
  );
  await refuses({ command: ["node"], flags: ["--v8-flags=-x"] }, /takes no "flags"/);
  await refuses(
    { command: ["node"], args: ["x"] },
    /takes no "args": put its arguments in the command/,
  );
});

Deno.test("Cluster.start() with a command that names no executable fails, naming the service", async () => {
  await assert.rejects(
    Cluster.start({
      worker: WORKER,
      workers: 1,
      processes: { ghost: { command: ["switchboard-no-such-program-here"] } },
    }),
    (error: Error) =>
      error.message === 'Could not start service "ghost"' &&
      error.cause instanceof Deno.errors.NotFound,
  );
});

/** SHA-256 of `bytes`, in hex. */
async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** 1 MiB of random bytes (getRandomValues fills at most 64 KiB a call). */
function randomMiB(): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(1024 * 1024);
  for (let at = 0; at < bytes.length; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, at + 65536));
  }
  return bytes;
}

Deno.test("binary encoding: 1 MiB of bytes and a Date reach a Node service from the manager and a worker, and bytes come back", async () => {
  await using cluster = await startWithNode();
  const file = randomMiB();
  const at = new Date("2026-12-04T10:00:00.123Z");
  const expected = {
    sha256: await sha256(file),
    length: file.length,
    isBytes: true,
    time: at.getTime(),
    echo: file.slice(0, 16),
    when: at,
  };
  assert.deepEqual(
    await cluster.request("digestRequest", { file, at }, { to: "node" }),
    expected,
  );
  // Through worker 1: the manager's bytes go to it, it asks the Node service, and the answer comes back.
  assert.deepEqual(
    await remote(cluster, 1, {
      op: "request",
      action: "digestRequest",
      data: { file, at },
      to: "node",
    }),
    { ok: expected },
  );
});

Deno.test("binary encoding: every tagged type survives a round trip through a Node service", async () => {
  await using cluster = await startWithNode();
  const cause = new RangeError("inner");
  const failure = new TypeError("outer", { cause });
  const values = {
    bytes: [new Uint8Array([1, 2, 3]), new Uint8Array(0)],
    at: new Date(0),
    invalid: new Date(NaN),
    failure,
    many: new AggregateError([new Error("one")], "several"),
    index: { a: new Uint8Array([9]), b: [undefined, new Date(2)] },
    numbers: [0, -0, 1.5],
    holes: [undefined, null],
    pattern: /a+b/gi,
    nested: { deep: { bytes: new Uint8Array([255]) } },
  };
  const echoed = await cluster.request("echoRequest", values, { to: "node" }) as {
    data: typeof values;
  };
  const { data } = echoed;
  assert.deepEqual(data.bytes, values.bytes);
  assert.equal(data.at.getTime(), 0);
  assert.ok(data.invalid instanceof Date && Number.isNaN(data.invalid.getTime()));
  assert.ok(data.failure instanceof TypeError);
  assert.equal(data.failure.message, "outer");
  assert.equal(data.failure.stack, failure.stack);
  assert.ok(data.failure.cause instanceof RangeError);
  assert.equal((data.failure.cause as Error).message, "inner");
  assert.ok(data.many instanceof AggregateError);
  assert.equal(data.many.errors[0].message, "one");
  assert.deepEqual(data.index, values.index);
  assert.ok(Object.is(data.numbers[1], -0));
  assert.deepEqual(data.numbers, values.numbers);
  assert.deepEqual(data.holes, [undefined, null]);
  assert.equal(data.holes.length, 2);
  assert.ok(0 in data.holes, "undefined is kept in its place, not a hole");
  assert.deepEqual(data.pattern, /a+b/gi);
  assert.deepEqual(data.nested, values.nested);
});

Deno.test("a Node service refuses a stranger's connection, naming who its hello said it was", async () => {
  await using cluster = await startWithNode();
  const socket = `${cluster.socketDir}/s0.sock`;
  // Each refusal is reported before the service closes the connection.
  await hello(socket, { from: 0, token: "guess" });
  await hello(socket, { token: "guess" });
  assert.deepEqual(await cluster.request("doRequest", { op: "errors" }, { to: "node" }), {
    ok: [
      'Refused a connection to service "node" that said it was worker 0: its token is wrong',
      'Refused a connection to service "node": it opened with "$hello", not a valid hello',
    ],
  });
  assert.deepEqual(await cluster.request("doRequest", { op: "errorFields" }, { to: "node" }), {
    ok: [{ name: "FrameError", peer: 0 }, { name: "FrameError" }],
  });
});

/** Dials `socket`, says `$hello` with `data`, and waits until the other end closes. */
async function hello(socket: string, data: object): Promise<void> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  try {
    const payload = new TextEncoder().encode(JSON.stringify({ action: "$hello", data }));
    const framed = frame(payload);
    for (let at = 0; at < framed.length;) at += await conn.write(framed.subarray(at));
    while (await conn.read(new Uint8Array(1024)) !== null);
  } catch {
    // Reset by the service: closed just the same.
  } finally {
    conn.close();
  }
}

Deno.test("a worker reloading while connected to the Node service is answered $left", async () => {
  await using cluster = await startWithNode();
  assert.deepEqual(
    await remote(cluster, 1, { op: "request", action: "echoRequest", data: 1, to: "node" }),
    { ok: { data: 1, by: "node", from: 1 } },
  );
  // Worker 1, connected to the service, tells it $leaving and waits for $left.
  await waitFor(cluster.reload(1), "the reload");
  // The service read $leaving before the old worker's connection closed:
  // a frame it did not expect would have been reported by now.
  assert.deepEqual(await cluster.request("doRequest", { op: "errors" }, { to: "node" }), {
    ok: [],
  });
});

Deno.test("a Node service reloaded under steady requests by name, from the manager and a worker, fails none", async () => {
  await using cluster = await startWithNode();
  const before = cluster.pid("node")!;
  // It refuses what comes after its stop work, and lets its peers go, as a Deno child does.
  const loads = await loadsThrough(
    cluster,
    { action: "echoRequest", data: "x", workers: 1, to: "node" },
    () => waitFor(cluster.reload("node"), "the reload"),
  );
  for (const load of loads) {
    assert.deepEqual(load.failures, [], "no request failed");
    assert.ok(load.answered > 0);
  }
  assert.ok(!isRunning(before));
});

Deno.test("a Node service's stop work runs once the workers' is in, as a Deno service's does", async () => {
  const cluster = await Cluster.start({
    worker: new URL("./fixtures/flushing_worker.ts", import.meta.url),
    workers: 2,
    processes: {
      sink: {
        command: ["node", new URL("./fixtures/node_sink_service.mjs", import.meta.url).pathname],
      },
    },
  });
  const saved = nextMessage(cluster, "saved");
  await waitFor(cluster.stop(), "the stop");
  assert.deepEqual((await saved).data, { count: 6 });
});
