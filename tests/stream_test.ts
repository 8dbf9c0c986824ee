/**
 * Streamed answers: `requestStream()` against async generator handlers, in
 * order and complete, bounded by the asker's window, cancelled by leaving
 * the loop, failed by a throwing handler or a dying target.
 */

import assert from "node:assert/strict";
import {
  ClosedError,
  type Cluster,
  FrameError,
  RemoteError,
  TimeoutError,
  UnreachableError,
} from "../mod.ts";
import { SYSTEM_CLOCK } from "../src/clock.ts";
import { STREAM_WINDOW, StreamEntry } from "../src/streams.ts";
import { nextEvent, remote, startCluster, waitFor } from "./helpers.ts";

type Part = { i: number; pad: string };
type Stopped = { by: number | string; yielded: number; reason: string };

function stopped(cluster: Cluster): Promise<Stopped> {
  return nextEvent<Stopped>(
    (listener) => cluster.on("streamStopped", (data) => listener(data as Stopped)),
    "the handler's iteration to end",
  );
}

function stream(cluster: Cluster, to: number | string, data: Record<string, unknown>) {
  return cluster.requestStream("countStream", data, { to }) as AsyncIterable<Part>;
}

Deno.test("100,000 parts arrive in order, none lost, from a worker and from a service", async () => {
  await using cluster = await startCluster();
  for (const to of [1, "logger"]) {
    const ended = stopped(cluster);
    let expected = 0;
    for await (const part of stream(cluster, to, { count: 100_000 })) {
      assert.equal(part.i, expected++);
    }
    assert.equal(expected, 100_000);
    assert.deepEqual(await ended, { by: to, yielded: 100_000, reason: "ended" });
  }
  assert.equal(cluster.stats().pendingRequests, 0);
});

Deno.test("a slow consumer: the producer never runs more than the window ahead", async () => {
  await using cluster = await startCluster();
  const size = 10_000;
  let taken = 0;
  let worstAhead = 0;
  for await (const part of stream(cluster, 2, { count: 200, size })) {
    assert.equal(part.i, taken++);
    if (taken % 20 === 0) {
      // Paused here, the producer has had every chance to run ahead.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const produced = await remote(cluster, 2, { op: "produced" });
      assert.ok("ok" in produced);
      worstAhead = Math.max(worstAhead, (produced.ok as number) - taken);
      const stats = await remote(cluster, 2, { op: "stats" });
      const queued = (stats as { ok: { connections: { peer: unknown; bytesQueued: number }[] } })
        .ok.connections.filter((c) => c.peer === "manager")
        .reduce((sum, c) => sum + c.bytesQueued, 0);
      assert.ok(queued <= STREAM_WINDOW * (size + 100), `${queued} bytes queued`);
    }
  }
  assert.ok(worstAhead <= STREAM_WINDOW, `the producer ran ${worstAhead} parts ahead`);
  assert.ok(worstAhead > 0, "it did run ahead, within the window");
});

Deno.test("large parts the consumer takes as they come all arrive: the producer waits for its queue to drain", async () => {
  await using cluster = await startCluster();
  // 16 parts of 6 MiB, the window, would be 96 MiB queued at once, over maxQueuedBytes (64 MiB).
  const ended = stopped(cluster);
  let taken = 0;
  for await (const part of stream(cluster, 1, { count: 24, size: 6 * 1024 * 1024 })) {
    assert.equal(part.i, taken++);
  }
  assert.equal(taken, 24);
  assert.deepEqual(await ended, { by: 1, yielded: 24, reason: "ended" });
});

Deno.test("leaving the loop early stops the handler", async () => {
  await using cluster = await startCluster();
  const ended = stopped(cluster);
  let taken = 0;
  for await (const _ of stream(cluster, 0, { count: 1_000_000, delay: 1 })) {
    if (++taken === 5) break;
  }
  const report = await ended;
  assert.equal(report.reason, "AbortError");
  assert.ok(report.yielded >= 5 && report.yielded <= 5 + STREAM_WINDOW, `${report.yielded}`);
  const stats = await remote(cluster, 0, { op: "stats" });
  assert.equal((stats as { ok: { handlersRunning: number } }).ok.handlersRunning, 0);
});

Deno.test("what still comes of a stream left early reaches no listener", async () => {
  await using cluster = await startCluster();
  const seen: string[] = [];
  cluster.onAny((msg) => seen.push(msg.action));
  const errors: Error[] = [];
  cluster.onError((error) => errors.push(error));
  const ended = stopped(cluster);
  for await (const _ of stream(cluster, 0, { count: 2, delay: 5 })) {
    // Busy while the rest comes: it is read only once the loop was left.
    const until = performance.now() + 40;
    while (performance.now() < until) { /* busy */ }
    break;
  }
  await ended;
  // Answered on the connection the stream's end came on, after it.
  await cluster.request("echoRequest", 1, { to: 0 });
  assert.deepEqual(seen.filter((action) => action === "countStreamResponse"), []);
  assert.deepEqual(errors, []);
});

Deno.test("a handler that throws ends the stream with RemoteError, after its parts", async () => {
  await using cluster = await startCluster();
  const parts: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const part of stream(cluster, 1, { count: 10, failAt: 3 })) parts.push(part.i);
    })(),
    (error: unknown) =>
      error instanceof RemoteError &&
      /^Request "countStream" to worker 1 failed: RangeError: failed at 3$/.test(error.message),
  );
  assert.deepEqual(parts, [0, 1, 2]);
});

Deno.test("a target that dies ends the stream with UnreachableError", async () => {
  await using cluster = await startCluster({ restart: false });
  cluster.onError(() => {});
  let taken = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of stream(cluster, 1, { count: 1_000_000, delay: 1 })) {
        if (++taken === 3) Deno.kill(cluster.pid(1)!, "SIGKILL");
      }
    })(),
    (error: unknown) =>
      error instanceof UnreachableError &&
      /^Streamed request "countStream" to worker 1 failed: the connection closed/.test(
        error.message,
      ),
  );
});

Deno.test("a worker streams from another worker and from a service", async () => {
  await using cluster = await startCluster();
  const sum = (n: number) => (n * (n - 1)) / 2;
  assert.deepEqual(await remote(cluster, 0, { op: "consumeStream", to: 2, count: 1000 }), {
    ok: sum(1000),
  });
  assert.deepEqual(await remote(cluster, 0, { op: "consumeStream", to: "logger", count: 100 }), {
    ok: sum(100),
  });
});

Deno.test("a plain handler answers a stream with one part; request() refuses a stream handler", async () => {
  await using cluster = await startCluster();
  const parts = [];
  for await (const part of cluster.requestStream("echoRequest", "once", { to: 0 })) {
    parts.push(part);
  }
  assert.equal(parts.length, 1);
  assert.equal((parts[0] as { data: string }).data, "once");
  await assert.rejects(
    cluster.request("countStream", { count: 3 }, { to: 0 }),
    (error: unknown) =>
      error instanceof RemoteError &&
      error.message.includes("answers with a stream: ask with requestStream()"),
  );
});

Deno.test("a part late past the timeout, or an abort, ends the stream and stops the handler", async () => {
  await using cluster = await startCluster();
  let ended = stopped(cluster);
  await assert.rejects(
    (async () => {
      for await (
        const _ of cluster.requestStream("countStream", { count: 10, delay: 300 }, {
          to: 0,
          timeout: 50,
        })
      );
    })(),
    (error: unknown) =>
      error instanceof TimeoutError &&
      /^Streamed request "countStream" to worker 0 timed out after 50 ms waiting for a part$/
        .test(error.message),
  );
  assert.equal((await ended).reason, "AbortError");

  ended = stopped(cluster);
  const controller = new AbortController();
  let taken = 0;
  await assert.rejects(
    (async () => {
      const parts = cluster.requestStream("countStream", { count: 1000, delay: 1 }, {
        to: 1,
        signal: controller.signal,
      });
      for await (const _ of parts) if (++taken === 2) controller.abort("enough");
    })(),
    (error: unknown) => error === "enough",
  );
  assert.equal((await ended).reason, "AbortError");
  assert.equal(cluster.stats().pendingRequests, 0);
});

Deno.test("a responder that sends more parts than it was granted fails the stream, and is held to it", async () => {
  const entry = new StreamEntry(SYSTEM_CLOCK, "countStream", 1);
  const toError = () => new Error("unused");
  for (let i = 0; i <= STREAM_WINDOW; i++) {
    entry.take({ action: "countStreamResponse", re: true, part: true, data: i }, toError);
  }
  assert.ok(entry.finished, "failed");
  for (let i = 0; i < STREAM_WINDOW; i++) {
    assert.deepEqual(await entry.next(1000), { done: false, value: i });
  }
  await assert.rejects(
    entry.next(1000),
    (error: unknown) =>
      error instanceof FrameError &&
      error.message ===
        'Streamed request "countStream" to worker 1 failed: it sent more parts than it was granted',
  );
});

Deno.test("a process streams from itself, and its abort reaches its own handler", async () => {
  await using cluster = await startCluster({ workers: 1 });
  let aborted: string | undefined;
  let handlerDone = Promise.withResolvers<void>();
  cluster.handle("selfStream", async function* (_data, msg) {
    try {
      for (let i = 0; i < 100; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        yield i;
      }
    } finally {
      aborted = msg.signal.aborted ? (msg.signal.reason as DOMException).name : "ended";
      handlerDone.resolve();
    }
  });
  const all: unknown[] = [];
  for await (const part of cluster.requestStream("selfStream", undefined, { to: "manager" })) {
    all.push(part);
  }
  assert.equal(all.length, 100, "past the first window: $more reached itself");
  await handlerDone.promise;
  assert.equal(aborted, "ended");
  handlerDone = Promise.withResolvers();
  const taken: unknown[] = [];
  for await (const part of cluster.requestStream("selfStream", undefined, { to: "manager" })) {
    if (taken.push(part) === 3) break;
  }
  await waitFor(handlerDone.promise, "the handler to stop");
  assert.equal(aborted, "AbortError", "$cancel reached itself");
});

Deno.test("an abort ends the loop even while parts wait; a part that cannot be sent ends the handler", async () => {
  await using cluster = await startCluster();
  const ended = stopped(cluster);
  const controller = new AbortController();
  let taken = 0;
  await assert.rejects(
    (async () => {
      const parts = cluster.requestStream("countStream", { count: 1000 }, {
        to: 1,
        signal: controller.signal,
      });
      for await (const _ of parts) {
        // A slow consumer: parts are waiting when the abort comes.
        await new Promise((resolve) => setTimeout(resolve, 2));
        if (++taken === 3) controller.abort("enough");
      }
    })(),
    (error: unknown) => error === "enough",
  );
  assert.equal(taken, 3);
  assert.equal((await ended).reason, "AbortError");

  let finished = false;
  cluster.handle("unsendableStream", async function* () {
    try {
      yield 1;
      yield Symbol("two");
      yield 3;
    } finally {
      finished = true;
    }
  });
  const seen: unknown[] = [];
  await assert.rejects(
    (async () => {
      for await (
        const part of cluster.requestStream("unsendableStream", undefined, { to: "manager" })
      ) {
        seen.push(part);
      }
    })(),
    (error: unknown) => error instanceof RemoteError && /is a symbol/.test(error.message),
  );
  assert.deepEqual(seen, [1]);
  assert.ok(finished, "the generator's finally ran");
});

Deno.test("requestStream() fails as request() does: checked at the call, failed where the stream is read", async () => {
  const cluster = await startCluster({ workers: 1, processes: {} });
  const ask = (options: unknown, action = "countStream") =>
    cluster.requestStream(action, { count: 1 }, options as { to: 0 });
  const read = async (stream: AsyncIterable<unknown>) => {
    for await (const _ of stream) assert.fail("no part comes");
  };
  // Made now (no call throws), read later: each fails at its first next().
  const aborted = new AbortController();
  aborted.abort(new DOMException("given up", "AbortError"));
  const wrong = [
    [ask({}), /needs a target/],
    [ask({ to: [0, 1] }), /takes one target/],
    [ask({ to: 0, timeout: -1 }), /invalid timeout/],
    [ask({ to: 0 }, "$stop"), TypeError],
    [ask({ to: 0, signal: aborted.signal }), /given up/],
  ] as const;
  for (const [stream, expected] of wrong) await assert.rejects(read(stream), expected);
  await cluster.stop();
  const closed = ask({ to: 0 });
  await assert.rejects(read(closed), ClosedError);
  await assert.rejects(cluster.request("countStream", {}, { to: 0 }), ClosedError);
});

Deno.test("a handler's iterator whose next() gives no iterator result fails the stream, as for await would", async () => {
  await using cluster = await startCluster();
  let parts = 0;
  await assert.rejects(
    async () => {
      for await (const _ of cluster.requestStream("notObjectStream", undefined, { to: 1 })) {
        if (++parts > 0) break;
      }
    },
    (error: unknown) =>
      error instanceof RemoteError && error.remoteName === "TypeError" &&
      error.message.includes('"notObjectStream"') && error.message.includes("5"),
  );
  assert.equal(parts, 0, "no part came of a result that is not an object");
});
