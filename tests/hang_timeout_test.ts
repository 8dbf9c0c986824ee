/**
 * The watchdog (`hangTimeout`) with real processes: a worker whose event
 * loop is blocked is killed and restarted as after a crash, and said so;
 * a healthy one busy with async work, and the Node reference service, are
 * probed and never killed; the option is checked.
 */

import assert from "node:assert/strict";
import { ANY, Cluster, type LifecycleEvent, TimeoutError, UnreachableError } from "../mod.ts";
import { event, nextEvent, SERVICE, WAIT, waitFor } from "./helpers.ts";

const HANGING_WORKER = new URL("./fixtures/hanging_worker.ts", import.meta.url);
const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

/**
 * Short, for tests that wait for the verdict, yet far above what a healthy
 * process's loop is ever held for on a busy machine: the timers are real here.
 */
const HANG_TIMEOUT = 1_000;

/** The next error `cluster` reports that `match` accepts. */
function nextError(cluster: Cluster, what: string, match: (error: Error) => boolean) {
  return nextEvent<Error>((listener) => cluster.onError(listener), what, match);
}

Deno.test("a worker whose event loop is blocked is killed and restarted, said so, and ANY goes to the other", async () => {
  await using cluster = await Cluster.start({
    worker: HANGING_WORKER,
    workers: 2,
    hangTimeout: HANG_TIMEOUT,
    // Long enough that what follows the kill sees worker 1 down.
    restart: { backoff: 1000 },
  });
  const oldPid = cluster.pid(1);
  const events: LifecycleEvent[] = [];
  cluster.onLifecycle((e) => events.push(e));
  const exited = event(cluster, "exit", 1);
  const reported = nextError(cluster, "the watchdog's report", (e) => e instanceof TimeoutError);
  const ready = event(cluster, "ready", 1);
  assert.equal(cluster.sendMessage("block", null, 1), 1);
  // Made while it is blocked: it fails as the process is killed, not after its own timeout.
  const stuck = cluster.request("whoRequest", undefined, { to: 1, timeout: WAIT * 3 });
  stuck.catch(() => {});

  const error = await reported as TimeoutError;
  assert.equal(
    error.message,
    `worker 1 did not answer the watchdog's $ping within ${HANG_TIMEOUT} ms (hangTimeout: is ` +
      "its event loop blocked?): it was killed",
  );
  assert.equal(error.peer, 1);
  assert.equal(error.action, "$ping");
  assert.deepEqual(await exited, {
    type: "exit",
    address: 1,
    code: 137,
    signal: "SIGKILL",
    restart: true,
    hung: true,
  });
  await assert.rejects(stuck, UnreachableError);
  // While it is down, a request to it says why.
  await assert.rejects(cluster.request("whoRequest", undefined, { to: 1 }), (e: Error) => {
    assert.ok(e instanceof UnreachableError, String(e));
    assert.equal(
      (e.cause as Error).message,
      "worker 1 exited on signal SIGKILL (killed as hung: it did not answer the watchdog), and " +
        "is being restarted",
    );
    return true;
  });
  // Down until its restart: every request to ANY goes to worker 0.
  const by = await Promise.all(
    Array.from({ length: 20 }, () => cluster.request("whoRequest", undefined, { to: ANY })),
  );
  assert.deepEqual(new Set(by), new Set([0]));
  await ready;
  assert.deepEqual(events.filter((e) => e.address === 1).map((e) => e.type), [
    "exit",
    "restart",
    "ready",
  ]);
  assert.notEqual(cluster.pid(1), oldPid);
  assert.equal(await cluster.request("whoRequest", undefined, { to: 1 }), 1);
});

Deno.test("a worker given up after the watchdog killed it is said to have hung, not only to have died of SIGKILL", async () => {
  await using cluster = await Cluster.start({
    worker: HANGING_WORKER,
    workers: 2,
    hangTimeout: HANG_TIMEOUT,
    restart: { maxRestarts: 0 },
    escalate: false,
  });
  const fatal = event(cluster, "fatal", 1);
  const gaveUp = nextError(cluster, "the give-up", (e) => !(e instanceof TimeoutError));
  assert.equal(cluster.sendMessage("block", null, 1), 1);
  await fatal;
  // Before, "worker 1 exited on signal SIGKILL after 0 restarts…": a kill
  // by the watchdog read as one by the OOM killer, or a person.
  assert.match(
    (await gaveUp).message,
    /^worker 1 exited on signal SIGKILL \(killed as hung: it did not answer the watchdog\) after /,
  );
});

Deno.test("a worker busy with async work answers the watchdog and is never killed", async () => {
  const hangTimeout = HANG_TIMEOUT;
  await using cluster = await Cluster.start({ worker: HANGING_WORKER, workers: 2, hangTimeout });
  const pids = [cluster.pid(0), cluster.pid(1)];
  const events: LifecycleEvent[] = [];
  const errors: Error[] = [];
  cluster.onLifecycle((e) => events.push(e));
  cluster.onError((e) => errors.push(e));
  // Four intervals at least of steady work, 40 requests at a time awaiting timers.
  const began = performance.now();
  let answered = 0;
  while (performance.now() - began < 4 * hangTimeout) {
    const round = Array.from(
      { length: 40 },
      (_, i) => cluster.request("napRequest", { ms: 20 + (i % 5) * 10 }, { to: i % 2 }),
    );
    answered += (await Promise.all(round)).length;
  }
  assert.ok(answered >= 400, `${answered} requests answered`);
  assert.deepEqual(events, []);
  assert.deepEqual(errors, []);
  assert.deepEqual([cluster.pid(0), cluster.pid(1)], pids);
});

Deno.test("the Node reference service answers the watchdog, and is killed once its loop is blocked", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    hangTimeout: HANG_TIMEOUT,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
  const pid = cluster.pid("node");
  const events: LifecycleEvent[] = [];
  cluster.onLifecycle((e) => events.push(e));
  // Three intervals of requests it answers after a timer: probed all along.
  for (let n = 0; n < 6; n++) {
    assert.equal(
      await cluster.request("slowRequest", { ms: HANG_TIMEOUT / 2 }, { to: "node" }),
      HANG_TIMEOUT / 2,
    );
  }
  assert.deepEqual(events, []);
  assert.equal(cluster.pid("node"), pid);
  // Probed indeed: blocked, it does not answer.
  const exited = event(cluster, "exit", "node");
  const reported = nextError(cluster, "the watchdog's report", (e) => e instanceof TimeoutError);
  assert.equal(cluster.getProcess("node").send("blockLoop", null), true);
  assert.match((await reported).message, /^service "node" did not answer the watchdog's \$ping/);
  assert.equal((await exited as { hung?: boolean }).hung, true);
  await event(cluster, "ready", "node");
  assert.notEqual(cluster.pid("node"), pid);
});

Deno.test("Cluster.start() refuses a hangTimeout that is not false or a delay, naming the option", async () => {
  for (const [value, shown] of [[-1, "-1"], [NaN, "NaN"], [0, "0"], [true, "true"]] as const) {
    await assert.rejects(
      Cluster.start({ workers: 0, hangTimeout: value as number }),
      (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.equal(
          error.message,
          `Cluster.start(): "hangTimeout" must be false or a finite number of ms above 0, got ${shown}`,
        );
        return true;
      },
    );
  }
  await assert.rejects(
    Cluster.start({ workers: 0, processes: { svc: { module: SERVICE, hangTimeout: NaN } } }),
    (error: Error) =>
      error instanceof TypeError &&
      error.message ===
        'Service "svc": "hangTimeout" must be false or a finite number of ms above 0, got NaN',
  );
  await assert.rejects(
    Cluster.start({ workers: 0, hangTimeout: 2 ** 31 }),
    /"hangTimeout" must be at most 2147483647 ms/,
  );
  // A service's own names the service: several may have one.
  await assert.rejects(
    Cluster.start({ workers: 0, processes: { svc: { module: SERVICE, hangTimeout: 2 ** 31 } } }),
    (error: Error) =>
      error instanceof TypeError &&
      error.message ===
        'Service "svc": "hangTimeout" must be at most 2147483647 ms (about 24.8 days, the ' +
          "timers' range), got 2147483648",
  );
  await assert.rejects(
    Cluster.start(
      { workers: 0, hangTimeut: 100 } as unknown as Parameters<typeof Cluster.start>[0],
    ),
    /has no option "hangTimeut": did you mean "hangTimeout"\?/,
  );
  // Not waited for: nothing started.
  await waitFor(Promise.resolve(), "nothing");
});

const UNWATCHED_SERVICE = new URL("./fixtures/node_unwatched_service.mjs", import.meta.url)
  .pathname;

/**
 * What the manager sent `service` that a peer written before the watchdog
 * does not know: all it sent before this question, on the same connection.
 * A `$ping`, if any, goes as the service is ready, before the start resolves.
 */
async function unexpectedAt(cluster: Cluster, service: string): Promise<string[]> {
  const came = nextEvent<{ from: unknown; data: unknown }>(
    (listener) => cluster.on("came", (data, msg) => listener({ from: msg.from, data })),
    `"came" from ${service}`,
    (m) => m.from === service,
  );
  assert.equal(cluster.getProcess(service).send("whatCame", null), true);
  return ((await came).data as { unexpected: string[] }).unexpected;
}

Deno.test("without hangTimeout no $ping is sent, so a peer written before it keeps working", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { old: { command: ["node", UNWATCHED_SERVICE] } },
  });
  assert.deepEqual(await unexpectedAt(cluster, "old"), []);
});

Deno.test("a service's hangTimeout: false keeps the watchdog from it while the others are probed", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    // Long: the probed one never answers, and must outlive the test.
    hangTimeout: 60_000,
    processes: {
      old: { command: ["node", UNWATCHED_SERVICE], hangTimeout: false },
      probed: { command: ["node", UNWATCHED_SERVICE] },
    },
  });
  assert.deepEqual(await unexpectedAt(cluster, "old"), []);
  assert.deepEqual(await unexpectedAt(cluster, "probed"), ["$ping"]);
});

/** A hangTimeout no other timer of the manager's has: the watchdog's timers are told by it. */
/**
 * Long, so that the child answers well within it even on a machine whose
 * cores other processes crowd (at 1,234 ms, two CPU hogs beside the test
 * starved the spinning child past it, 2 runs of 5): the race below is
 * between the manager's held loop and its timer, not the child's speed.
 */
const SPIED_TIMEOUT = 4_321;

/**
 * Watches the timers this process arms: resolves the `n`th the watchdog
 * arms (of `SPIED_TIMEOUT` ms, each just after a `$ping` went), with when
 * it is due. Restores the global `setTimeout` when disposed.
 */
function spyOnWatchdogTimers() {
  const original = globalThis.setTimeout;
  const armed: PromiseWithResolvers<number>[] = [];
  let count = 0;
  const nth = (n: number) => (armed[n] ??= Promise.withResolvers<number>());
  globalThis.setTimeout = ((callback: () => void, ms?: number) => {
    if (ms === SPIED_TIMEOUT) nth(++count).resolve(performance.now() + ms);
    return original(callback, ms);
  }) as typeof setTimeout;
  return {
    armed: (n: number) => waitFor(nth(n).promise, `the watchdog's timer #${n}`),
    [Symbol.dispose]: () => void (globalThis.setTimeout = original),
  };
}

/**
 * Resolves `ms` from now in a socket read's turn of the event loop, as
 * the result of an operation, not a timer, does: code run then goes before
 * the timers due in that turn.
 */
async function afterRead(ms: number): Promise<void> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using writer = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  using reader = await listener.accept();
  setTimeout(() => writer.write(new Uint8Array([1])), ms);
  await reader.read(new Uint8Array(1));
}

Deno.test("a child that answered while the manager's own loop was held is not taken for hung", async () => {
  using timers = spyOnWatchdogTimers();
  await using cluster = await Cluster.start({
    worker: HANGING_WORKER,
    workers: 1,
    hangTimeout: SPIED_TIMEOUT,
  });
  const events: LifecycleEvent[] = [];
  const errors: Error[] = [];
  cluster.onLifecycle((e) => events.push(e));
  cluster.onError((e) => errors.push(e));
  // The worker computes across the time its second $ping goes, so that its
  // $pong comes some 200 ms later: while this process's loop is held (a
  // long computation where an operation's result came), from 50 ms after
  // that $ping to just past the time the watchdog looks, late by less than
  // its LATE_TIMER. The look is not put off, and the $pong came before it.
  const due = await timers.armed(1);
  await new Promise((resolve) => setTimeout(resolve, due - performance.now() - 100));
  assert.equal(cluster.sendMessage("spin", { ms: 300 }, 0), 1);
  const next = await timers.armed(2);
  await afterRead(50);
  while (performance.now() < next + 30) {
    // Held.
  }
  // Looked at, and probed again: it answered.
  await timers.armed(3);
  assert.deepEqual(errors, []);
  assert.deepEqual(events, []);
});
