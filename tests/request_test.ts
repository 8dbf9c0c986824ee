/** Scenarios 3 and 4: request/response by hand, and with request(). */

import assert from "node:assert/strict";
import { MANAGER, NoHandlerError, RemoteError, TimeoutError, UnreachableError } from "../mod.ts";
import { nextMessage, remote, startCluster, WAIT, waitFor } from "./helpers.ts";

Deno.test("request/response by hand: messageId in the data, sendMessage and on only", async () => {
  await using cluster = await startCluster();
  // From a worker, exactly as the seed does it: worker 0 asks worker 1.
  const outcome = await remote(cluster, 0, { op: "manualRequest", to: 1, time: 7 });
  assert.ok("ok" in outcome);
  const response = outcome.ok as { messageId: string; time: number; by: number };
  assert.equal(response.time, 7);
  assert.equal(response.by, 1);
  assert.equal(typeof response.messageId, "string");

  // From the manager, the same way.
  const messageId = crypto.randomUUID();
  const answer = nextMessage(
    cluster,
    "testResponse",
    (msg) => (msg.data as { messageId: string }).messageId === messageId,
  );
  cluster.sendMessage("testRequest", { messageId, time: 8 }, 2);
  assert.deepEqual((await answer).data, { messageId, time: 8, by: 2 });
});

Deno.test("request() resolves with what handle() returns; the data is untouched", async () => {
  await using cluster = await startCluster();
  const response = await cluster.request("echoRequest", { time: 1 }, {
    to: 1,
    timeout: 30_000,
  }) as {
    data: unknown;
    by: number;
    messageId: string;
  };
  assert.deepEqual(response.data, { time: 1 }, "no messageId was added to the data");
  assert.equal(response.by, 1);
  assert.equal(typeof response.messageId, "string", "the handler sees msg.messageId");

  const fromWorker = await remote(cluster, 2, {
    op: "request",
    action: "echoRequest",
    data: 5,
    to: 0,
  });
  assert.ok("ok" in fromWorker);
  assert.equal((fromWorker.ok as { by: number }).by, 0);
  assert.equal((fromWorker.ok as { data: number }).data, 5);
});

Deno.test("request() resolves with a response written by hand", async () => {
  await using cluster = await startCluster();
  // on("testRequest") answers with msg.reply("testResponse", …).
  assert.deepEqual(await cluster.request("testRequest", { time: 3 }, { to: 1 }), {
    time: 3,
    by: 1,
  });
  // on("manualRequest") answers with msg.reply("manualResponse", …).
  assert.deepEqual(await cluster.request("manualRequest", "x", { to: 2 }), { data: "x", by: 2 });
  // on("dataIdRequest") answers with sendMessage("dataIdResponse", {messageId}, msg.from).
  const byHand = await cluster.request("dataIdRequest", 4, { to: 0 }) as Record<string, unknown>;
  assert.equal(byHand.by, 0);
  assert.equal(byHand.data, 4);
  // From a worker too.
  assert.deepEqual(
    await remote(cluster, 0, { op: "request", action: "testRequest", data: { time: 9 }, to: 2 }),
    { ok: { time: 9, by: 2 } },
  );
});

Deno.test("the response of a request also reaches on() listeners of the response action", async () => {
  await using cluster = await startCluster();
  const heard = nextMessage(cluster, "echoResponse");
  const answer = await cluster.request("echoRequest", "hi", { to: 0 });
  const message = await heard;
  assert.deepEqual(message.data, answer);
  assert.equal(message.from, 0);
  assert.equal(typeof message.messageId, "string");
});

Deno.test("a handler that throws or rejects reaches the requester as RemoteError", async () => {
  await using cluster = await startCluster();
  const thrown = await cluster.request("failRequest", {}, { to: 1 }).then(
    () => assert.fail("should reject"),
    (error) => error,
  );
  assert.ok(thrown instanceof RemoteError);
  assert.equal(thrown.remoteName, "TypeError");
  assert.equal(thrown.remoteMessage, "boom in 1");
  assert.match(thrown.remoteStack ?? "", /fixtures\/worker\.ts/);
  assert.match(thrown.message, /Request "failRequest" to worker 1 failed: TypeError: boom in 1/);

  await assert.rejects(
    cluster.request("rejectRequest", {}, { to: 2 }),
    (error: unknown) => error instanceof RemoteError && error.remoteName === "RangeError",
  );
  assert.deepEqual(
    await remote(cluster, 0, { op: "request", action: "failRequest", to: 2 }),
    {
      error: {
        name: "RemoteError",
        message: 'Request "failRequest" to worker 2 failed: TypeError: boom in 2',
      },
    },
  );
});

Deno.test("request() takes an answer written by hand that echoes the messageId in its data, as imi's do", async () => {
  await using cluster = await startCluster();
  const [first, second] = [crypto.randomUUID(), crypto.randomUUID()];
  assert.deepEqual(
    await Promise.all([
      cluster.request("imiRequest", { messageId: first }, { to: 1, timeout: WAIT }),
      cluster.request("imiRequest", { messageId: second }, { to: 1, timeout: WAIT }),
    ]),
    [{ messageId: first, by: 1 }, { messageId: second, by: 1 }],
  );
  assert.deepEqual(
    await remote(cluster, 0, {
      op: "request",
      action: "imiRequest",
      data: { messageId: "from 0" },
      to: 2,
    }),
    { ok: { messageId: "from 0", by: 2 } },
  );
});

Deno.test("with no handler, a listener that throws or rejects before it answers fails the request at once", async () => {
  await using cluster = await startCluster();
  // A minute's timeout: only the failure, sent back, can end these in time.
  const failure = (action: string) =>
    waitFor(
      cluster.request(action, {}, { to: 1, timeout: 60_000 }).then(
        () => assert.fail("answered"),
        (error: Error) => error,
      ),
      `${action}'s failure`,
    );
  const thrown = await failure("listenerThrowsRequest");
  assert.ok(thrown instanceof RemoteError);
  assert.equal(
    thrown.message,
    'Request "listenerThrowsRequest" to worker 1 failed: TypeError: listener blew up in 1',
  );
  const rejected = await failure("listenerRejectsRequest");
  assert.ok(rejected instanceof RemoteError);
  assert.equal(rejected.remoteName, "RangeError");
  assert.equal(rejected.remoteMessage, "async listener blew up");
  // Answered first: the requester has its answer. The responder's onError
  // heard every throw, as of any listener.
  assert.deepEqual(
    await cluster.request("answeredThenThrowsRequest", {}, { to: 1 }),
    { by: 1 },
  );
  assert.deepEqual(await remote(cluster, 1, { op: "errors" }), {
    ok: {
      count: 3,
      names: { SwitchboardError: 3 },
      samples: [
        'A listener for "listenerThrowsRequest" from the manager threw: listener blew up in 1',
        'A listener for "listenerRejectsRequest" from the manager threw: async listener blew up',
        'A listener for "answeredThenThrowsRequest" from the manager threw: failed after its answer',
      ],
    },
  });
});

Deno.test("a handler whose result cannot be carried fails the request instead of timing out", async () => {
  await using cluster = await startCluster();
  await assert.rejects(
    cluster.request("badResultRequest", {}, { to: 0, timeout: WAIT * 3 }),
    (error: unknown) =>
      error instanceof RemoteError && error.remoteName === "FrameError" &&
      /data\.run is a function/.test(error.remoteMessage),
  );
});

Deno.test("a target with no listener answers at once with NoHandlerError", async () => {
  await using cluster = await startCluster();
  // The timeout is far beyond the test's own deadline: only the fast answer passes.
  const request = cluster.request("unknownRequest", {}, { to: 1, timeout: WAIT * 3 });
  await assert.rejects(
    waitFor(request, "the fast answer"),
    (error: unknown) =>
      error instanceof NoHandlerError &&
      error.message ===
        'Request "unknownRequest" to worker 1 failed: it has no handler for "unknownRequest"',
  );
  assert.deepEqual(await remote(cluster, 0, { op: "request", action: "unknownRequest", to: 2 }), {
    error: {
      name: "NoHandlerError",
      message:
        'Request "unknownRequest" to worker 2 failed: it has no handler for "unknownRequest"',
    },
  });
});

Deno.test("a handler that fails with its own request's NoHandlerError fails the request with RemoteError, not as unhandled", async () => {
  await using cluster = await startCluster();
  // The manager handles "proxyRequest" by asking worker 1 for what nobody there handles.
  cluster.handle("proxyRequest", () => cluster.request("unknownRequest", {}, { to: 1 }));
  assert.deepEqual(
    await remote(cluster, 0, { op: "request", action: "proxyRequest", to: MANAGER }),
    {
      error: {
        name: "RemoteError",
        message:
          'Request "proxyRequest" to the manager failed: NoHandlerError: Request "unknownRequest" to worker 1 failed: it has no handler for "unknownRequest"',
      },
    },
  );
});

Deno.test("a listener that never answers makes the request time out, naming action, target and time", async () => {
  await using cluster = await startCluster();
  let error: unknown;
  try {
    await cluster.request("silentRequest", {}, { to: 2, timeout: 100 });
  } catch (thrown) {
    error = thrown;
  }
  assert.ok(error instanceof TimeoutError);
  assert.equal(error.message, 'Request "silentRequest" to worker 2 timed out after 100 ms');
  assert.match(error.stack ?? "", /request_test\.ts/, "the stack points at the caller");
});

Deno.test("a request answered under the wrong action times out, naming the action that came and the one expected", async () => {
  await using cluster = await startCluster();
  const misnamed = nextMessage(cluster, "misnamed");
  // Long enough for the reply to come first however loaded the machine.
  const timeout = 2_000;
  const failed = cluster.request("misnamedRequest", { n: 1 }, { to: 1, timeout }).then(
    () => undefined,
    (thrown) => thrown,
  );
  assert.deepEqual((await misnamed).data, { n: 1 }, "the reply itself reaches listeners");
  const error = await failed;
  assert.ok(error instanceof TimeoutError);
  assert.equal(
    error.message,
    `Request "misnamedRequest" to worker 1 timed out after ${timeout} ms; it sent "misnamed" ` +
      `with this request's messageId meanwhile, but an answer must be "misnamedResponse"`,
  );
});

Deno.test("a late response after a timeout settles nothing and still reaches listeners", async () => {
  await using cluster = await startCluster();
  const late = nextMessage(cluster, "slowResponse");
  await assert.rejects(
    cluster.request("slowRequest", { ms: 300 }, { to: 0, timeout: 50 }),
    TimeoutError,
  );
  assert.deepEqual((await late).data, { by: 0 });
});

Deno.test("an aborted request rejects with the signal's reason", async () => {
  await using cluster = await startCluster();
  const controller = new AbortController();
  const request = cluster.request("silentRequest", {}, { to: 0, signal: controller.signal });
  const reason = new Error("user gave up");
  controller.abort(reason);
  await assert.rejects(request, (error) => error === reason);
  // Already aborted: rejects without sending.
  await assert.rejects(
    cluster.request("echoRequest", {}, { to: 0, signal: AbortSignal.abort("stop") }),
    (error) => error === "stop",
  );
  // The default 30 s timer of the aborted request is gone: the op sanitizer
  // fails this test if any timer is left.
});

Deno.test("request() needs exactly one known target", async () => {
  await using cluster = await startCluster();
  // @ts-expect-error: `to` is required
  await assert.rejects(cluster.request("echoRequest", {}, {}), /needs a target: pass \{ to \}/);
  await assert.rejects(
    cluster.request("echoRequest", {}, { to: [0, 1] as unknown as number }),
    /takes one target; use requestAll\(\)/,
  );
  await assert.rejects(
    waitFor(cluster.request("echoRequest", {}, { to: 7 }), "the rejection"),
    (error: unknown) =>
      error instanceof UnreachableError &&
      /Request "echoRequest" to worker 7 failed: no such process \(the cluster has workers 0-2/
        .test(
          error.message,
        ),
  );
  assert.deepEqual(await remote(cluster, 1, { op: "request", action: "echoRequest", to: "db" }), {
    error: {
      name: "UnreachableError",
      message:
        'Request "echoRequest" to service "db" failed: no such process (the cluster has workers 0-2, services "logger", the manager)',
    },
  });
});

Deno.test("a process can request itself, and children can request the manager", async () => {
  await using cluster = await startCluster();
  cluster.handle("whoRequest", (_data, msg) => ({ asked: "manager", from: msg.from }));
  assert.deepEqual(await cluster.request("whoRequest", {}, { to: MANAGER }), {
    asked: "manager",
    from: MANAGER,
  });
  assert.deepEqual(await remote(cluster, 1, { op: "request", action: "whoRequest", to: MANAGER }), {
    ok: { asked: "manager", from: 1 },
  });
  const self = await remote(cluster, 1, { op: "request", action: "echoRequest", data: 1, to: 1 });
  assert.ok("ok" in self);
  assert.equal((self.ok as { by: number }).by, 1);
});
