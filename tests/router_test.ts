/**
 * The router in one process, on every transport: what a bad peer can and
 * cannot do to the others, and how requests settle when peers go.
 */

import assert from "node:assert/strict";
import { ClosedError, FrameError, RemoteError, UnreachableError } from "../src/errors.ts";
import { Router } from "../src/router.ts";
import { nextEvent, waitFor } from "./helpers.ts";
import { MANAGER } from "../src/address.ts";
import { LAYOUT, type TestNetwork, testOnEveryNetwork } from "./networks.ts";

/** Resolves with the data of the first `count` messages of `action` that `router` hears. */
function received(router: Router, action: string, count: number): Promise<unknown[]> {
  const data: unknown[] = [];
  return nextEvent<unknown[]>(
    (listener) =>
      router.listeners.on(action, (value) => {
        data.push(value);
        listener(data);
      }),
    `"${action}" x${count}`,
    (all) => all.length === count,
  );
}

/** The next error `router` reports; call it before causing the error. */
function nextError(router: Router): Promise<Error> {
  return nextEvent((listener) => router.listeners.onError(listener), "an error report");
}

const tests: [string, (network: TestNetwork) => Promise<void>][] = [
  [
    "a control frame over the limit is reported, never thrown where nobody can catch it",
    async (network) => {
      await network.open(MANAGER);
      const [r0, r1] = [await network.router(0, { maxPayload: 1000 }), await network.router(1)];
      const reported = nextError(r0);
      assert.equal(r0.sendControl(1, "$event", { huge: "x".repeat(2000) }), false);
      const error = await reported;
      assert.ok(error instanceof FrameError);
      assert.match(error.message, /^Cannot send "\$event" to worker 1: the message is \d+ bytes/);
      // The connection and the router go on.
      const later = received(r1, "small", 1);
      assert.equal(r0.sendMessage("small", 1, 1), 1);
      assert.deepEqual(await later, [1]);
    },
  ],
  ["a frame over the limit from one peer closes only that peer's connection", async (network) => {
    await network.open(MANAGER);
    const r0 = await network.router(0, { maxPayload: 1000 });
    const [r1, r2] = [await network.router(1), await network.router(2)];
    const fromTwo = received(r0, "small", 2);
    const reported = nextError(r0);

    assert.equal(r1.sendMessage("big", "x".repeat(5000), 0), 1, "worker 1's own limit allows it");
    r2.sendMessage("small", 1, 0);
    r2.sendMessage("small", 2, 0);
    assert.deepEqual(await fromTwo, [1, 2], "traffic from worker 2 is untouched");

    const error = await reported;
    assert.ok(error instanceof FrameError);
    assert.match(
      error.message,
      /^Bad frame from worker 1: Frame of 50\d\d bytes is over the 1000-byte limit/,
    );
    assert.equal(error.peer, 1, "the error's peer is the sender");
    assert.ok(!r0.connected().includes(1) && r0.connected().includes(2));
    // A later send opens a new connection.
    const later = received(r1, "small", 1);
    assert.equal(r0.sendMessage("small", 3, 1), 1);
    assert.deepEqual(await later, [3]);
  }],
  ["a malformed frame closes only its connection, with a clear error", async (network) => {
    await network.open(MANAGER);
    const [r0, r2] = [await network.router(0), await network.router(2)];
    const raw = await network.open(1);
    raw.receive({ deliver() {}, gone() {} });
    const fromTwo = received(r0, "fine", 1);
    const reported = nextError(r0);
    raw.send(0, new TextEncoder().encode('{"data": "no action"}'));
    r2.sendMessage("fine", true, 0);
    assert.deepEqual(await fromTwo, [true]);
    const error = await reported;
    assert.ok(error instanceof FrameError);
    assert.equal(error.message, 'Bad frame from worker 1: its "action" is not a non-empty string');
    assert.equal(error.peer, 1);
    assert.ok(!r0.connected().includes(1) && r0.connected().includes(2));
  }],
  ["an unexpected control frame closes its connection", async (network) => {
    await network.open(MANAGER);
    const r0 = await network.router(0);
    const raw = await network.open(1);
    raw.receive({ deliver() {}, gone() {} });
    const reported = nextError(r0);
    raw.send(0, new TextEncoder().encode('{"action":"$stop"}'));
    const error = await reported as FrameError;
    assert.equal(error.message, 'Bad frame from worker 1: unexpected "$stop"');
    assert.deepEqual([error.action, error.peer], ["$stop", 1]);
  }],
  [
    "a listener that throws is reported; other listeners and later messages still run",
    async (network) => {
      await network.open(MANAGER);
      const [r0, r1] = [await network.router(0), await network.router(1)];
      const errors: Error[] = [];
      r0.listeners.onError((error) => errors.push(error));
      r0.listeners.on("x", () => {
        throw new Error("listener failed");
      });
      const heard = received(r0, "x", 2);
      r1.sendMessage("x", 1, 0);
      r1.sendMessage("x", 2, 0);
      assert.deepEqual(await heard, [1, 2]);
      assert.equal(errors.length, 2);
      assert.equal(errors[0].message, 'A listener for "x" from worker 1 threw: listener failed');
      assert.equal((errors[0].cause as Error).message, "listener failed");
    },
  ],
  [
    "an async listener that rejects is reported as one that throws: the process lives on",
    async (network) => {
      await network.open(MANAGER);
      const [r0, r1] = [await network.router(0), await network.router(1)];
      const errors: Error[] = [];
      const reported = Promise.withResolvers<void>();
      r0.listeners.onError((error) => {
        errors.push(error);
        if (errors.length === 3) reported.resolve();
      });
      // Unhandled, each rejection would end the process (a test: fail it).
      r0.listeners.on("x", async () => {
        await Promise.resolve();
        throw new Error("on() failed");
      });
      r0.listeners.onAny(async () => {
        await Promise.resolve();
        throw new Error("onAny() failed");
      });
      r0.listeners.onLifecycle(async () => {
        await Promise.resolve();
        throw new Error("onLifecycle() failed");
      });
      r1.sendMessage("x", 1, 0);
      r0.lifecycle({ type: "ready", address: 1 });
      await waitFor(reported.promise, "three reports");
      assert.deepEqual(errors.map((error) => error.message).sort(), [
        'A lifecycle listener threw on "ready" of worker 1: onLifecycle() failed',
        'A listener for "x" from worker 1 threw: on() failed',
        'A listener for "x" from worker 1 threw: onAny() failed',
      ]);
      const lifecycle = errors.find((error) => error.message.startsWith("A lifecycle"));
      assert.equal((lifecycle as { peer?: unknown }).peer, 1, "the event's process is its peer");
    },
  ],
  [
    "data that cannot be carried, or too much of it, is refused at the sender; the link stays up",
    async (network) => {
      await network.open(MANAGER);
      const r0 = await network.router(0);
      const r1 = await network.router(1, { maxPayload: 2000 });
      const heard = received(r0, "after", 1);
      assert.throws(() => r1.sendMessage("bad", { s: Symbol() }, 0), FrameError);
      assert.throws(() => r1.sendMessage("bad", "x".repeat(3000), 0), /over the 2000-byte limit/);
      await assert.rejects(r1.request("badRequest", { f() {} }, { to: 0 }), FrameError);
      assert.equal(r1.sendMessage("after", "ok", 0), 1);
      assert.deepEqual(await heard, ["ok"]);
      assert.deepEqual(network.reports.get(1), []);
    },
  ],
  ["messages from one sender arrive in the order sent", async (network) => {
    await network.open(MANAGER);
    const [r0, r1] = [await network.router(0), await network.router(1)];
    const count = 20_000;
    const heard = received(r0, "n", count);
    for (let n = 0; n < count; n++) r1.sendMessage("n", n, 0);
    assert.deepEqual(await heard, Array.from({ length: count }, (_, n) => n));
  }],
  ["a message to itself is dispatched a tick later, like any other", async (network) => {
    await network.open(MANAGER);
    const r0 = await network.router(0);
    const heard = received(r0, "self", 2);
    assert.equal(r0.sendMessage("self", 1, 0), 1);
    assert.equal(r0.sendMessage("self", 2, [0, 1, 0]), 1, "listed twice, and 1 is not open");
    r0.listeners.handle("echoRequest", (data) => data);
    assert.deepEqual(await heard, [1, 2]);
    assert.equal(await r0.request("echoRequest", "me", { to: 0 }), "me");
  }],
  ["closing a router rejects its open requests with the reason as cause", async (network) => {
    await network.open(MANAGER);
    const [r0, r1] = [await network.router(0), await network.router(1)];
    r0.listeners.on("waitRequest", () => {});
    const request = r1.request("waitRequest", {}, { to: 0, timeout: 60_000 });
    const reason = new Error("shutting down");
    const closing = r1.close(reason);
    await assert.rejects(request, (error: unknown) => {
      assert.ok(error instanceof ClosedError);
      assert.equal(
        error.message,
        'Request "waitRequest" to worker 0 was cancelled: worker 1 closed',
      );
      assert.equal(error.cause, reason);
      return true;
    });
    await closing;
  }],
  [
    "closing a router fails its open streamed requests with the reason as cause",
    async (network) => {
      await network.open(MANAGER);
      const [r0, r1] = [await network.router(0), await network.router(1)];
      const arrived = received(r0, "waitStream", 1);
      const parts = r1.requestStream("waitStream", {}, { to: 0, timeout: 60_000 });
      const first = parts.next();
      await waitFor(arrived, "the streamed request to arrive");
      const reason = new Error("shutting down");
      const closing = r1.close(reason);
      await assert.rejects(first, (error: unknown) => {
        assert.ok(error instanceof ClosedError);
        assert.equal(
          error.message,
          'Streamed request "waitStream" to worker 0 was cancelled: worker 1 closed',
        );
        assert.equal(error.peer, 0);
        assert.equal(error.cause, reason);
        return true;
      });
      await closing;
    },
  ],
  ["requests to a peer that goes away reject at once with UnreachableError", async (network) => {
    await network.open(MANAGER);
    const [r0, r1] = [await network.router(0), await network.router(1)];
    r0.listeners.on("waitRequest", () => {});
    const requests = Array.from(
      { length: 100 },
      () => r1.request("waitRequest", {}, { to: 0, timeout: 60_000 }),
    );
    await waitFor(received(r0, "waitRequest", 100), "the requests to arrive");
    r0.close(new Error("crashed"));
    for (const request of requests) {
      await assert.rejects(
        waitFor(request, "the rejection"),
        (error: unknown) =>
          error instanceof UnreachableError &&
          error.message ===
            'Request "waitRequest" to worker 0 failed: the connection closed before it answered',
      );
    }
    assert.equal(r1.stats().pendingRequests, 0);
    await assert.rejects(r1.request("waitRequest", {}, { to: 0 }), UnreachableError);
  }],
  ["a handler's error too large for a frame reaches the requester cut short", async (network) => {
    await network.open(MANAGER);
    const limit = { maxPayload: 64 * 1024 };
    const [r0, r1] = [await network.router(0, limit), await network.router(1, limit)];
    r0.listeners.handle("hugeRequest", () => {
      throw new RangeError("x".repeat(100_000));
    });
    await assert.rejects(
      r1.request("hugeRequest", {}, { to: 0, timeout: 5_000 }),
      (error: unknown) =>
        error instanceof RemoteError && error.remoteName === "RangeError" &&
        error.remoteMessage === `${"x".repeat(1000)}… (99000 more characters)` &&
        error.remoteStack === undefined,
    );
  }],
  [
    "a handler's error still too large cut short is cut shorter, to fit the smallest frame",
    async (network) => {
      await network.open(MANAGER);
      const limit = { maxPayload: 4096 };
      const [r0, r1] = [await network.router(0, limit), await network.router(1, limit)];
      // JSON writes each as \u0001, six bytes: a thousand of them are 6,000.
      r0.listeners.handle("escapedRequest", () => {
        throw new RangeError("\u0001".repeat(2000));
      });
      await assert.rejects(
        r1.request("escapedRequest", {}, { to: 0, timeout: 5_000 }),
        (error: unknown) =>
          error instanceof RemoteError && error.remoteName === "RangeError" &&
          error.remoteMessage === `${"\u0001".repeat(100)}… (1900 more characters)`,
      );
    },
  ],
  [
    "a handler's result whose `then` getter throws fails its request, not the connection",
    async (network) => {
      await network.open(MANAGER);
      const [r0, r1] = [await network.router(0), await network.router(1)];
      const release = Promise.withResolvers<string>();
      r0.listeners.handle("holdRequest", () => release.promise);
      r0.listeners.handle("oddRequest", () => ({
        get then() {
          throw new Error("odd then");
        },
      }));
      const held = r1.request("holdRequest", {}, { to: 0 });
      await assert.rejects(
        r1.request("oddRequest", {}, { to: 0 }),
        (error: unknown) => error instanceof RemoteError && error.remoteMessage === "odd then",
      );
      release.resolve("done");
      assert.equal(await waitFor(held, "the request in flight beside it"), "done");
      assert.deepEqual(network.reports.get(0), [], "no bad frame, no closed connection");
    },
  ],
  [
    "a held request whose handler's result throws fails alone; those held after it run",
    async (network) => {
      await network.open(MANAGER);
      // Worker 0 not ready yet: what comes is held until ready().
      const endpoint = await network.open(0);
      const r0 = new Router({
        endpoint,
        layout: LAYOUT,
        maxFrameSize: 1 << 20,
        requestTimeout: 5_000,
        highWaterMark: 1 << 20,
        maxQueuedBytes: 1 << 26,
      });
      r0.listeners.handle("oddRequest", () => ({
        get then() {
          throw new Error("odd then");
        },
      }));
      r0.listeners.handle("echoRequest", (data) => data);
      // Told when both requests came: listeners hear nothing until ready().
      const arrived = Promise.withResolvers<void>();
      let frames = 0;
      const deliver = r0.deliver.bind(r0);
      r0.deliver = (from, payloads) => {
        deliver(from, payloads);
        frames += payloads.length;
        if (frames >= 2) arrived.resolve();
      };
      const r1 = await network.router(1);
      const odd = r1.request("oddRequest", {}, { to: 0 });
      const echo = r1.request("echoRequest", "after it", { to: 0 });
      await waitFor(arrived.promise, "both requests to arrive, and be held");
      r0.ready();
      await assert.rejects(
        waitFor(odd, "the odd request to fail"),
        (error: unknown) => error instanceof RemoteError && error.remoteMessage === "odd then",
      );
      assert.equal(await waitFor(echo, "the request held after it"), "after it");
      await r0.close();
    },
  ],
  ["a message a process sent itself just before it closed is still dispatched", async (network) => {
    await network.open(MANAGER);
    const r0 = await network.router(0);
    const notes = received(r0, "note", 1);
    assert.equal(r0.sendMessage("note", "to myself", 0), 1);
    await r0.close();
    assert.deepEqual(await waitFor(notes, "the note"), ["to myself"]);
  }],
  [
    "runningHandlersSettled() waits for the handlers running now, not those that start later",
    async (network) => {
      await network.open(MANAGER);
      const [r0, r1] = [await network.router(0), await network.router(1)];
      // Each call of the handler hands over what ends it.
      const calls = [Promise.withResolvers<() => void>(), Promise.withResolvers<() => void>()];
      let call = 0;
      r0.listeners.handle(
        "holdRequest",
        () => new Promise((resolve) => calls[call++].resolve(() => resolve("done"))),
      );
      const first = r1.request("holdRequest", 1, { to: 0 });
      const endFirst = await waitFor(calls[0].promise, "the first handler to run");
      const running = r0.runningHandlersSettled();
      const all = r0.handlersSettled();
      const second = r1.request("holdRequest", 2, { to: 0 });
      const endSecond = await waitFor(calls[1].promise, "the second handler to run");
      endFirst();
      await waitFor(running, "the handler running then to settle");
      assert.equal(await first, "done");
      assert.equal(r0.stats().handlersRunning, 1, "the later one runs on, and is not waited for");
      endSecond();
      await waitFor(all, "every handler, the later one too, to settle");
      assert.equal(await second, "done");
    },
  ],
  [
    "what is held for a sibling that listens by now goes as the sender closes",
    async (network) => {
      await network.open(MANAGER);
      // Its manager answers once the sender closes, as a child's does (endAll).
      const answered = Promise.withResolvers<void>();
      const r0 = await network.router(0, { syncWithManager: () => answered.promise });
      r0.startsWithSiblings([1]);
      assert.equal(r0.sendMessage("note", 1, 1), 1, "held: worker 1 does not listen yet");
      const r1 = await network.router(1, { held: true });
      const notes = received(r1, "note", 1);
      const errors: Error[] = [];
      r0.listeners.onError((error) => void errors.push(error));
      answered.resolve();
      await r0.close();
      assert.deepEqual(errors, []);
      r1.ready();
      assert.deepEqual(await notes, [1]);
    },
  ],
];

testOnEveryNetwork(tests);
