/**
 * A request for a process being replaced (reloaded, or stopping alone to be
 * restarted) waits for the new process, within its timeout, rather than
 * failing: by id, by name, to `ANY` when no other worker is up, streamed or
 * not. It fails, saying why, when the new process is not ready in time,
 * when none comes, or when the cluster stops first.
 */

import assert from "node:assert/strict";
import {
  ANY,
  ClosedError,
  type LifecycleEvent,
  MANAGER,
  TimeoutError,
  UnreachableError,
} from "../mod.ts";
import { Cluster } from "../mod.ts";
import { managerOf } from "../src/address.ts";
import { Layout } from "../src/layout.ts";
import type { Outcome } from "./fixtures/remote_control.ts";
import {
  event,
  fileAppears,
  hold,
  isRunning,
  loadsThrough,
  nextEvent,
  nextMessage,
  remote,
  serviceIn,
  startCluster,
  waitFor,
} from "./helpers.ts";
import { type TestNetwork, unixNetwork } from "./networks.ts";
import type { Router } from "../src/router.ts";
import type { Endpoint } from "../src/transport.ts";

/**
 * SIGTERM to worker 0 while it holds a request, so that it stops alone but
 * cannot finish until "release": resolves once its stop handlers ran (it
 * refuses new requests from then on).
 */
async function stopAloneHolding(cluster: Cluster): Promise<{ held: Promise<unknown> }> {
  const [held] = await hold(cluster, [0]);
  const goodbye = nextMessage(cluster, "goodbye");
  Deno.kill(cluster.pid(0)!, "SIGTERM");
  await goodbye;
  return { held };
}

/**
 * Worker 0 stops alone, held until "release"; worker 1 learns that it is
 * being replaced (its first request to it waits, and times out) and asks
 * it again: `second`, which waits from the start.
 */
async function waitingForWorker0(
  cluster: Cluster,
): Promise<{ heldSettled: Promise<unknown>; second: Promise<Outcome> }> {
  const { held } = await stopAloneHolding(cluster);
  const heldSettled = Promise.allSettled([held]);
  const first = await remote(cluster, 1, {
    op: "request",
    action: "echoRequest",
    to: 0,
    timeout: 50,
  });
  assert.ok("error" in first && first.error.name === "TimeoutError", JSON.stringify(first));
  const second = remote(cluster, 1, { op: "request", action: "echoRequest", to: 0 });
  return { heldSettled, second };
}

/** Worker 0's next `ready` event, and the order it came in among `order`. */
function readyAgain(cluster: Cluster, order: string[]): Promise<unknown> {
  return event(cluster, "ready", 0).then(() => order.push("ready"));
}

Deno.test("a request by id to a worker stopping alone waits for its new process", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {} });
  const { held } = await stopAloneHolding(cluster);
  const before = cluster.pid(0)!;
  const order: string[] = [];
  const ready = readyAgain(cluster, order);
  const data = { when: new Date(0), bytes: new Uint8Array([1, 2, 3]) };
  // Refused by the old process, which cannot exit before "release".
  const byId = cluster.request("echoRequest", data, { to: 0 }).then((answer) => {
    order.push("answer");
    return answer as { data: unknown; by: number };
  });
  cluster.sendMessage("release", {});
  assert.equal(await held, "released");
  await ready;
  const answer = await waitFor(byId, "the answer");
  assert.deepEqual(order, ["ready", "answer"], "answered by the new process");
  assert.equal(answer.by, 0);
  assert.deepEqual(answer.data, data, "the data the refusal carried back, unchanged");
  assert.notEqual(cluster.pid(0), before);
});

Deno.test("a request aborted as its wait for a new process ends is not sent: it rejects with the reason", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {} });
  const { held } = await stopAloneHolding(cluster);
  const controller = new AbortController();
  // The wait ends on the same "ready" as this listener runs, before the request is sent again.
  cluster.onLifecycle((event) => {
    if (event.type === "ready" && event.address === 0) controller.abort(new Error("given up"));
  });
  // "holdRequest" is answered only after "release": only the abort can end this request.
  const asked = cluster.request("holdRequest", {}, {
    to: 0,
    timeout: Infinity,
    signal: controller.signal,
  });
  cluster.sendMessage("release", {});
  assert.equal(await held, "released");
  await assert.rejects(waitFor(asked, "the request to reject"), { message: "given up" });
  assert.equal(cluster.stats().pendingRequests, 0);
});

Deno.test("a request to ANY while its only worker is being replaced waits for the new one", async () => {
  await using cluster = await startCluster({ workers: 1, processes: {} });
  const { held } = await stopAloneHolding(cluster);
  const order: string[] = [];
  const ready = readyAgain(cluster, order);
  const toAny = cluster.request("echoRequest", "x", { to: ANY }).then((answer) => {
    order.push("answer");
    return answer as { by: number };
  });
  cluster.sendMessage("release", {});
  assert.equal(await held, "released", "what it took is answered");
  await ready;
  assert.equal((await waitFor(toAny, "the answer")).by, 0);
  assert.deepEqual(order, ["ready", "answer"]);
});

Deno.test("a streamed request by id waits for the new process too", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {} });
  const { held } = await stopAloneHolding(cluster);
  const parts: unknown[] = [];
  const streamed = (async () => {
    for await (const part of cluster.requestStream("countStream", { count: 3 }, { to: 0 })) {
      parts.push(part);
    }
  })();
  const stopped = nextMessage(cluster, "streamStopped");
  cluster.sendMessage("release", {});
  await held;
  await waitFor(streamed, "the stream");
  assert.deepEqual(parts, [0, 1, 2].map((i) => ({ i, pad: "" })));
  assert.deepEqual((await stopped).data, { by: 0, yielded: 3, reason: "ended" });
});

Deno.test("a streamed request that waits for the new process sends what was asked, whatever is sent meanwhile", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {} });
  const { held } = await stopAloneHolding(cluster);
  await learnReplacing(cluster);
  const parts: unknown[] = [];
  const asked = { count: 3, size: 2, file: new Uint8Array(64).fill(1) };
  const streamed = (async () => {
    for await (const part of cluster.requestStream("countStream", asked, { to: 0 })) {
      parts.push(part);
    }
  })();
  // Encoded while the stream waits, as its request was.
  cluster.sendMessage("test", { file: new Uint8Array(64).fill(2) }, 1);
  cluster.sendMessage("release", {});
  await held;
  await waitFor(streamed, "the stream");
  assert.deepEqual(parts, [0, 1, 2].map((i) => ({ i, pad: "xx" })));
});

Deno.test("a request that waits for the new process sends its data as it was at the call", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {} });
  const { held } = await stopAloneHolding(cluster);
  await learnReplacing(cluster);
  const data = { bytes: new Uint8Array(64).fill(1), note: "as called" };
  const answer = cluster.request("echoRequest", data, { to: 0 });
  // Changed after the call, while the request waits for worker 0's new process.
  data.bytes.fill(9);
  data.note = "changed";
  cluster.sendMessage("release", {});
  await held;
  const echo = await waitFor(answer, "the answer") as { data: typeof data; by: number };
  assert.deepEqual(echo.data, { bytes: new Uint8Array(64).fill(1), note: "as called" });
  assert.equal(echo.by, 0);
});

/**
 * A request to worker 0, stopping alone, refused by its old process: the
 * manager learns that it is being replaced, and its requests to it wait
 * from then on (this one until its timeout, long enough that the refusal
 * surely came first).
 */
async function learnReplacing(cluster: Cluster): Promise<void> {
  await assert.rejects(cluster.request("echoRequest", "x", { to: 0, timeout: 1000 }), TimeoutError);
}

Deno.test("a service reload under steady requests by name, from the manager and a worker, fails none", async () => {
  await using cluster = await startCluster({ workers: 2 });
  const before = cluster.pid("logger")!;
  let after: unknown;
  const loads = await loadsThrough(
    cluster,
    { action: "pingRequest", data: "x", workers: 1, to: "logger" },
    async () => {
      await waitFor(cluster.reload("logger"), "the reload");
      // Answered by the new process too, before the loads stop.
      after = await remote(cluster, 1, {
        op: "requestProcess",
        name: "logger",
        action: "pingRequest",
      });
    },
  );
  for (const load of loads) {
    assert.deepEqual(load.failures, [], "no request failed");
    assert.ok(load.answered > 0);
  }
  assert.equal((after as { ok: { by: string } }).ok.by, "logger");
  assert.ok(!isRunning(before));
});

Deno.test("waiting for a new process times out with TimeoutError saying why", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {} });
  const { held } = await stopAloneHolding(cluster);
  // The old process holds a request it will not answer before "release":
  // no new one can be ready before the timeout.
  const error = await cluster.request("echoRequest", {}, { to: 0, timeout: 200 })
    .catch((error) => error);
  assert.ok(error instanceof TimeoutError, String(error));
  assert.equal(
    error.message,
    'Request "echoRequest" to worker 0 timed out after 200 ms: worker 0 was being replaced, and no new process was ready in time',
  );
  assert.equal(error.peer, 0);
  cluster.sendMessage("release", {});
  await held;
});

Deno.test("a request waiting for a worker that is not restarted fails with UnreachableError", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {}, restart: false });
  const { held } = await stopAloneHolding(cluster);
  const waiting = cluster.request("echoRequest", {}, { to: 0 }).catch((error) => error);
  cluster.sendMessage("release", {});
  await held;
  const error = await waitFor(waiting, "the failure");
  assert.ok(error instanceof UnreachableError, String(error));
  assert.equal(
    error.message,
    'Request "echoRequest" to worker 0 failed: worker 0 stopped, and no new process replaced it',
  );
});

Deno.test("stop() ends a wait for a new process at once with ClosedError", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {} });
  const { held } = await stopAloneHolding(cluster);
  // The stop may end it before "release" reaches it.
  const heldSettled = Promise.allSettled([held]);
  const waiting = cluster.request("echoRequest", {}, { to: 0 }).catch((error) => error);
  const stopped = cluster.stop();
  const error = await waitFor(waiting, "the failure");
  assert.ok(error instanceof ClosedError, String(error));
  assert.equal(
    error.message,
    'Request "echoRequest" to worker 0 was cancelled: the manager is stopping',
  );
  cluster.sendMessage("release", {});
  await heldSettled;
  await waitFor(stopped, "the stop");
});

Deno.test("a whole-cluster stop ends a worker's wait for a new process at once", async () => {
  // A wait that outlived the stop would hold it until stopTimeout.
  await using cluster = await startCluster({ workers: 2, processes: {}, stopTimeout: 60_000 });
  const { heldSettled, second } = await waitingForWorker0(cluster);
  // The stop reaches worker 1 after its request.
  const stopped = cluster.stop();
  cluster.sendMessage("release", {});
  const outcome = await waitFor(second, "worker 1's request") as Outcome;
  assert.deepEqual(outcome, {
    error: {
      name: "ClosedError",
      message: 'Request "echoRequest" to worker 0 was cancelled: worker 1 is stopping',
    },
  });
  await heldSettled;
  await waitFor(stopped, "the stop");
});

/**
 * Worker 1 asks worker 0, which stops alone and holds its stop until
 * "release", and stops alone itself with `stopAlone`: its stop work waits
 * for that request. Then the whole cluster stops, without "release": the
 * request must end with `ClosedError` at once, else worker 1's stop work
 * (and worker 0's) would hold the stop until stopTimeout.
 */
async function stopWhileStoppingAlone(stopAlone: (cluster: Cluster) => unknown): Promise<void> {
  await using cluster = await startCluster({ workers: 2, processes: {}, stopTimeout: 60_000 });
  const { heldSettled, second } = await waitingForWorker0(cluster);
  // Answered after the request above began: it waits by now.
  await remote(cluster, 1, { op: "pid" });
  const goodbye = nextMessage(cluster, "goodbye", (message) => message.from === 1);
  const alone = stopAlone(cluster);
  await goodbye;
  const stopped = cluster.stop();
  const outcome = await waitFor(second, "worker 1's request") as Outcome;
  assert.deepEqual(outcome, {
    error: {
      name: "ClosedError",
      message: 'Request "echoRequest" to worker 0 was cancelled: worker 1 is stopping',
    },
  });
  cluster.sendMessage("release", {});
  await Promise.allSettled([heldSettled, alone]);
  await waitFor(stopped, "the stop");
}

Deno.test("a whole-cluster stop ends the wait of a worker being reloaded at once", async () => {
  await stopWhileStoppingAlone((cluster) => cluster.reload(1).catch((error) => error));
});

Deno.test("a whole-cluster stop ends the wait of a worker SIGTERM'd alone at once", async () => {
  await stopWhileStoppingAlone((cluster) => Deno.kill(cluster.pid(1)!, "SIGTERM"));
});

Deno.test("a process that starts while another is being replaced waits for it too", async () => {
  // It missed what said so: its bootstrap tells it.
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-gate-" });
  try {
    const gated = serviceIn(dir, "gated_service.ts");
    await using cluster = await startCluster({ workers: 2, processes: { gated } });
    using watcher = Deno.watchFs(dir);
    const reloaded = cluster.reload("gated");
    // The old process is gone, and the new one not ready until "open".
    await fileAppears(watcher, "waiting");
    // Worker 1 starts anew now: it never heard of the reload.
    const restarted = event(cluster, "ready", 1);
    Deno.kill(cluster.pid(1)!, "SIGKILL");
    await restarted;
    const asked = remote(cluster, 1, {
      op: "requestProcess",
      name: "gated",
      action: "echoRequest",
      data: "x",
    });
    // Answered after the request above began: it waits by now.
    await remote(cluster, 1, { op: "pid" });
    await Deno.writeTextFile(`${dir}/open`, "");
    assert.deepEqual(await waitFor(asked, "worker 1's request"), {
      ok: { data: "x", by: "gated" },
    });
    await waitFor(reloaded, "the reload");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a worker that exited cleanly to be restarted is awaited, by those it never told it was leaving", async () => {
  // Back-off long enough that worker 1's request comes while worker 0 is down.
  await using cluster = await startCluster({
    workers: 2,
    processes: {},
    restart: { backoff: 300 },
  });
  const exited = event(cluster, "exit", 0);
  // Worker 1 never talked to worker 0: it hears of the exit only.
  Deno.kill(cluster.pid(0)!, "SIGTERM");
  assert.deepEqual(await exited, {
    type: "exit",
    address: 0,
    code: 0,
    signal: null,
    restart: true,
  });
  const outcome = await waitFor(
    remote(cluster, 1, { op: "request", action: "echoRequest", to: 0, data: "x" }),
    "worker 1's request",
  ) as Outcome;
  assert.ok("ok" in outcome, JSON.stringify(outcome));
  assert.equal((outcome.ok as { by: number }).by, 0);
});

Deno.test("a process that exits cleanly as it starts again is awaited no more: requests fail at once", async () => {
  // Restarted without end (clean exits spend no budget), it would be awaited until the timeout.
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-quit-" });
  try {
    const quitter = serviceIn(dir, "quitting_service.ts");
    await using cluster = await startCluster({ workers: 1, processes: { quitter } });
    const exits = (count: number) => {
      let seen = 0;
      return nextEvent<LifecycleEvent>(
        (listener) => cluster.onLifecycle(listener),
        `exit ${count} of the quitter`,
        (event) => event.type === "exit" && event.address === "quitter" && ++seen === count,
      );
    };
    // Its clean exit while it ran, then its new process's, before it was ready.
    const secondExit = exits(2);
    cluster.sendMessage("quit", {}, "quitter");
    assert.deepEqual(await secondExit, {
      type: "exit",
      address: "quitter",
      code: 0,
      signal: null,
      restart: true,
    });
    for (const asker of ["the manager", "worker 0"]) {
      const request = asker === "the manager"
        ? cluster.request("echoRequest", "x", { to: "quitter", timeout: 60_000 })
        : remote(cluster, 0, { op: "requestProcess", name: "quitter", action: "echoRequest" })
          .then((outcome) => {
            if ("error" in outcome) {
              throw Object.assign(new Error(outcome.error.message), outcome.error);
            }
          });
      const error = await waitFor(request.then(() => undefined, (error) => error), asker);
      assert.equal(error?.name, "UnreachableError", `${asker}: ${error}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A frame as a bare endpoint reads it. */
interface Frame {
  action: string;
  messageId?: string;
}

/**
 * The manager's router, and worker 0 as a bare endpoint that has said
 * `$leaving` and heard `$left`; `next` resolves with the first frame it
 * gets after that.
 */
async function leavingWorker(
  network: TestNetwork,
): Promise<{ manager: Router; raw: Endpoint; next: Promise<Frame>; arrived: () => boolean }> {
  const manager = await network.router(MANAGER);
  const raw = await network.open(0);
  const left = Promise.withResolvers<void>();
  const next = Promise.withResolvers<Frame>();
  let arrived = false;
  const decoder = new TextDecoder();
  raw.receive({
    deliver(_from, payloads) {
      for (const payload of payloads) {
        const frame = JSON.parse(decoder.decode(payload)) as Frame;
        if (frame.action === "$left") left.resolve();
        else if (!arrived) {
          arrived = true;
          next.resolve(frame);
        }
      }
    },
    gone() {},
  });
  raw.send(MANAGER, '{"action":"$leaving"}');
  await waitFor(left.promise, "$left");
  return { manager, raw, next: next.promise, arrived: () => arrived };
}

Deno.test("a request to ANY is not sent to its only worker once it said $leaving: it waits", async () => {
  // Sent, it could arrive as that worker closes, and be lost.
  const network = await unixNetwork();
  try {
    const { manager, raw, next, arrived } = await leavingWorker(network);
    const answer = manager.request("echoRequest", "x", { to: ANY, timeout: 60_000 });
    // Should an assertion below fail first, that failure is the one shown.
    answer.catch(() => {});
    // Not sent, it waits within microtasks: all have run by the next task.
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(arrived(), false, "nothing reached the leaving worker");
    // Worker 0 is back (here, the same endpoint): the request goes to it.
    manager.lifecycle({ type: "ready", address: 0 });
    const request = await waitFor(next, "the request at worker 0");
    assert.equal(request.action, "echoRequest");
    raw.send(
      MANAGER,
      JSON.stringify({ action: "echoResponse", messageId: request.messageId, data: "new" }),
    );
    assert.equal(await waitFor(answer, "the answer"), "new");
  } finally {
    await network.close();
  }
});

Deno.test("a request to ANY waiting for a new worker takes any worker that is back first", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {} });
  const { held } = await stopAloneHolding(cluster);
  const exited = event(cluster, "exit", 1);
  Deno.kill(cluster.pid(1)!, "SIGKILL");
  await exited;
  // Worker 0 cannot be back before "release": worker 1's restart answers.
  const answer = await waitFor(cluster.request("echoRequest", "x", { to: ANY }), "the answer");
  assert.equal((answer as { by: number }).by, 1);
  cluster.sendMessage("release", {});
  await held;
});

Deno.test("a wait for a new process with a timeout past the timers' range still waits", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {} });
  const { held } = await stopAloneHolding(cluster);
  const byId = cluster.request("echoRequest", "x", { to: 0, timeout: 1e10 });
  cluster.sendMessage("release", {});
  await held;
  assert.equal((await waitFor(byId, "the answer") as { by: number }).by, 0);
});

Deno.test("a process whose host left is awaited no more: requests for it fail at once", async () => {
  const network = await unixNetwork();
  try {
    await network.router(MANAGER);
    const two = await network.router(2);
    // Worker 1 is being replaced, and not up: a request to it waits.
    two.lifecycle({ type: "reload", address: 1 });
    const waiting = two.request("echoRequest", {}, { to: 1, timeout: 60_000 })
      .catch((error) => error);
    // Not sent, it waits within microtasks: all have run by the next task.
    await new Promise((resolve) => setTimeout(resolve, 0));
    // Its host leaves: the layout loses it, then the event comes.
    two.layout = new Layout([0, 2], ["logger"]);
    two.lifecycle({ type: "hostLeft", address: managerOf("b"), host: "b" });
    const error = await waitFor(waiting, "the waiting request");
    assert.ok(error instanceof UnreachableError, String(error));
    assert.equal(
      error.message,
      'Request "echoRequest" to worker 1 failed: worker 1 stopped, and no new process replaced it',
    );
    const later = await waitFor(
      two.request("echoRequest", {}, { to: 1, timeout: 60_000 }).catch((error) => error),
      "a later request",
    );
    assert.ok(later instanceof UnreachableError, String(later));
    // Not "no such process": that is for an address that never was (a typo).
    assert.match(later.message, /it is not connected \(its host left the cluster\)/);
  } finally {
    await network.close();
  }
});

Deno.test("a service on a host that joins anew is awaited no more", async () => {
  const network = await unixNetwork();
  try {
    await network.router(MANAGER);
    const two = await network.router(2);
    two.lifecycle({ type: "reload", address: "logger" });
    two.lifecycle({
      type: "hostJoined",
      address: managerOf("b"),
      host: "b",
      workers: [],
      services: ["logger"],
    });
    // Not up here: it fails at once rather than wait for a replacement.
    const error = await waitFor(
      two.request("echoRequest", {}, { to: "logger", timeout: 60_000 }).catch((error) => error),
      "the request",
    );
    assert.ok(error instanceof UnreachableError, String(error));
  } finally {
    await network.close();
  }
});

Deno.test("a service just reloaded that asks one whose reload begins right after waits for its new process", async () => {
  const chain = new URL("./fixtures/chain_service.ts", import.meta.url);
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { front: chain, back: chain },
  });
  let answered = 0;
  let answeredEnough = () => {};
  const failures: string[] = [];
  let running = true;
  const client = async () => {
    while (running) {
      try {
        await cluster.request("chainRequest", 1, { to: "front" });
        answered++;
        answeredEnough();
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  };
  const more = (count: number) => {
    const target = answered + count;
    const { promise, resolve } = Promise.withResolvers<void>();
    answeredEnough = () => answered >= target && resolve();
    return waitFor(promise, `${count} more answers`);
  };
  const clients = [client(), client(), client()];
  // The new "front" is ready, and asks "back" as "back"'s reload begins:
  // it may find its socket gone before it hears of the reload.
  for (let i = 0; i < 10; i++) {
    await more(10);
    await cluster.reload("front");
    await cluster.reload("back");
  }
  await more(10);
  running = false;
  await Promise.all(clients);
  assert.deepEqual(failures, []);
});
