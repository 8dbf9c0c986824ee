/**
 * The router over real sockets, in one process: what a bad peer can and
 * cannot do to the others.
 */

import assert from "node:assert/strict";
import { FrameError } from "../src/errors.ts";
import { deadline } from "../src/deadline.ts";
import { Layout } from "../src/layout.ts";
import type { Link } from "../src/link.ts";
import { Router } from "../src/router.ts";
import type { Connection } from "../src/transport.ts";
import { UnixTransport } from "../src/unix_transport.ts";
import { connectTo, WAIT } from "./helpers.ts";

const layout = new Layout(3, []);

function router(self: number, maxFrameSize = 1 << 20, errors: Error[] = []): Router {
  const router = new Router({
    self,
    layout,
    maxFrameSize,
    requestTimeout: 1000,
    highWaterMark: 1 << 20,
    maxQueuedBytes: 1 << 26,
    onControl: () => {},
  });
  router.listeners.onError((error) => errors.push(error));
  router.ready();
  return router;
}

/** Three routers, each pair joined by a real Unix socket. */
async function mesh(limits: number[], errors: Error[][]): Promise<{
  routers: Router[];
  raw: Map<string, Connection>;
  close(): Promise<void>;
}> {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const transport = new UnixTransport(dir);
  const routers = limits.map((limit, id) => router(id, limit, errors[id]));
  const raw = new Map<string, Connection>();
  for (const [a, b] of [[0, 1], [0, 2], [1, 2]]) {
    const listener = await transport.listen(`${a}-${b}`, limits[a], fail);
    const accepted = listener[Symbol.asyncIterator]().next();
    const dialed = await connectTo(transport, `${a}-${b}`, limits[b]);
    const server = (await accepted).value as Connection;
    listener.close();
    routers[a].attach(server, b);
    routers[b].attach(dialed, a);
    raw.set(`${b}->${a}`, dialed);
  }
  return {
    routers,
    raw,
    async close() {
      await Promise.all(routers.map((r) => r.close()));
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function received(router: Router, action: string, count: number): Promise<unknown[]> {
  const { promise, resolve } = Promise.withResolvers<unknown[]>();
  const data: unknown[] = [];
  const off = router.listeners.on(action, (value) => {
    data.push(value);
    if (data.length === count) resolve(data);
  });
  return deadline(promise, WAIT, () => new Error(`"${action}" x${count} did not arrive`))
    .finally(off);
}

/** The next error `router` reports; call it before causing the error. */
function nextError(router: Router): Promise<Error> {
  const { promise, resolve } = Promise.withResolvers<Error>();
  const off = router.listeners.onError(resolve);
  return deadline(promise, WAIT, () => new Error("no error was reported")).finally(off);
}

/** For listeners that must not fail to accept. */
function fail(error: Error): never {
  throw error;
}

Deno.test("a frame over the limit from one peer closes only that peer's connection", async () => {
  const errors: Error[][] = [[], [], []];
  const { routers: [r0, r1, r2], close } = await mesh([1000, 1 << 20, 1 << 20], errors);
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
  assert.deepEqual(r0.connected(), [2]);
  assert.equal(r0.sendMessage("small", 3, 1), 0);
  await close();
});

Deno.test("a malformed frame closes only its connection, with a clear error", async () => {
  const errors: Error[][] = [[], [], []];
  const { routers: [r0, , r2], raw, close } = await mesh([1 << 20, 1 << 20, 1 << 20], errors);
  const fromTwo = received(r0, "fine", 1);
  const reported = nextError(r0);
  raw.get("1->0")!.send(new TextEncoder().encode('{"data": "no action"}'));
  r2.sendMessage("fine", true, 0);
  assert.deepEqual(await fromTwo, [true]);
  const error = await reported;
  assert.ok(error instanceof FrameError);
  assert.equal(error.message, 'Bad frame from worker 1: its "action" is not a non-empty string');
  assert.deepEqual(r0.connected(), [2]);
  await close();
});

Deno.test("a listener that throws is reported; other listeners and later messages still run", async () => {
  const errors: Error[][] = [[], [], []];
  const { routers: [r0, r1], close } = await mesh([1 << 20, 1 << 20, 1 << 20], errors);
  r0.listeners.on("x", () => {
    throw new Error("listener failed");
  });
  const heard = received(r0, "x", 2);
  r1.sendMessage("x", 1, 0);
  r1.sendMessage("x", 2, 0);
  assert.deepEqual(await heard, [1, 2]);
  assert.equal(errors[0].length, 2);
  assert.equal(errors[0][0].message, 'A listener for "x" from worker 1 threw: listener failed');
  assert.equal((errors[0][0].cause as Error).message, "listener failed");
  await close();
});

Deno.test("data JSON cannot carry, or too much of it, is refused at the sender; the link stays up", async () => {
  const errors: Error[][] = [[], [], []];
  const { routers: [r0, r1], close } = await mesh([1 << 20, 2000, 1 << 20], errors);
  const heard = received(r0, "after", 1);
  assert.throws(() => r1.sendMessage("bad", { n: 1n }, 0), FrameError);
  assert.throws(() => r1.sendMessage("bad", "x".repeat(3000), 0), /over the 2000-byte limit/);
  await assert.rejects(r1.request("badRequest", { f() {} }, { to: 0 }), FrameError);
  assert.equal(r1.sendMessage("after", "ok", 0), 1);
  assert.deepEqual(await heard, ["ok"]);
  assert.deepEqual(errors, [[], [], []]);
  await close();
});

Deno.test("messages from one sender arrive in the order sent", async () => {
  const errors: Error[][] = [[], [], []];
  const { routers: [r0, r1], close } = await mesh([1 << 20, 1 << 20, 1 << 20], errors);
  const count = 20_000;
  const heard = received(r0, "n", count);
  for (let n = 0; n < count; n++) r1.sendMessage("n", n, 0);
  assert.deepEqual(await heard, Array.from({ length: count }, (_, n) => n));
  await close();
});

Deno.test("closing a router rejects its open requests with the reason as cause", async () => {
  const errors: Error[][] = [[], [], []];
  const { routers: [r0, r1], close } = await mesh([1 << 20, 1 << 20, 1 << 20], errors);
  r0.listeners.on("waitRequest", () => {});
  const request = r1.request("waitRequest", {}, { to: 0, timeout: 60_000 });
  const reason = new Error("shutting down");
  const closing = r1.close(reason);
  await assert.rejects(request, (error: unknown) => {
    assert.equal((error as Error).name, "ClosedError");
    assert.equal(
      (error as Error).message,
      'Request "waitRequest" to worker 0 was cancelled: worker 1 closed',
    );
    assert.equal((error as Error).cause, reason);
    return true;
  });
  await closing;
  await close();
});

Deno.test("closing gives up on a peer that stopped reading, instead of waiting forever", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const path = `${dir}/stuck.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const accepted = listener.accept();
  const transport = new UnixTransport(dir);
  const r0 = router(0);
  r0.attach(await connectTo(transport, "stuck", 1 << 24), 1);
  const stuck = await accepted; // never reads
  // Far more than the socket's buffers hold: most stays queued.
  const chunk = "x".repeat(512 * 1024);
  for (let i = 0; i < 32; i++) r0.sendMessage("big", chunk, 1);
  assert.ok(
    r0.stats().connections[0].bytesQueued > 8 * 1024 * 1024,
    "queued, waiting for a reader",
  );
  await deadline(r0.close(), WAIT, () => new Error("close() hung"));
  stuck.close();
  listener.close();
  await Deno.remove(dir, { recursive: true });
});

/** A connected pair of sockets at `endpoint`: [accepted end, dialing end]. */
async function socketPair(
  transport: UnixTransport,
  endpoint: string,
): Promise<[Connection, Connection]> {
  const listener = await transport.listen(endpoint, 1 << 20, fail);
  const accepted = listener[Symbol.asyncIterator]().next();
  const dialed = await connectTo(transport, endpoint, 1 << 20);
  const server = (await accepted).value as Connection;
  listener.close();
  return [server, dialed];
}

/**
 * Routers 0 and 1 joined by two connections, each bound on both sides, as
 * when both dialed each other at once; the dialed ends are router 1's.
 */
async function twoLinks() {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const transport = new UnixTransport(dir);
  const [r0, r1] = [router(0), router(1)];
  const [firstServer, firstDialed] = await socketPair(transport, "first");
  const [spareServer, spareDialed] = await socketPair(transport, "spare");
  r0.attach(firstServer, 1);
  r1.attach(firstDialed, 0);
  r0.attach(spareServer, 1);
  r1.attach(spareDialed, 0);
  return {
    r0,
    r1,
    firstDialed,
    spareDialed,
    async close() {
      await Promise.all([r0.close(), r1.close()]);
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("a second link to a peer is a spare: sends stay on the first, and the spare takes over when it closes", async () => {
  const { r0, r1, firstDialed, close } = await twoLinks();
  assert.deepEqual(r1.connected(), [0]);

  const first = received(r0, "n", 1);
  r1.sendMessage("n", 1, 0);
  assert.deepEqual(await first, [1]);
  assert.deepEqual(
    r1.stats().connections.map((c) => [c.peer, c.messagesOut]),
    [[0, 1], [0, 0]],
    "sent on the first link; the spare is listed after it",
  );

  r0.listeners.on("waitRequest", () => {});
  const waiting = r1.request("waitRequest", {}, { to: 0, timeout: 60_000 });
  const later = received(r0, "n", 1);
  firstDialed.close();
  await assert.rejects(waiting, /the connection closed before it answered/);
  assert.equal(r1.sendMessage("n", 2, 0), 1, "the spare took over");
  assert.deepEqual(await later, [2]);
  assert.deepEqual(r1.stats().connections.map((c) => c.peer), [0]);
  await close();
});

Deno.test("when either of two links to a peer closes, requests to it fail at once: their answers may travel on it", async () => {
  const { r0, r1, spareDialed, close } = await twoLinks();
  r0.listeners.on("waitRequest", () => {});
  const waiting = r1.request("waitRequest", {}, { to: 0, timeout: 60_000 });
  spareDialed.close();
  await assert.rejects(waiting, /the connection closed before it answered/);
  assert.equal(r1.stats().pendingRequests, 0);
  assert.deepEqual(r1.stats().connections.map((c) => c.peer), [0], "the first link stays");
  await close();
});

Deno.test("a send to a peer with no link asks the owner to dial it, once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const transport = new UnixTransport(dir);
  const [server, dialed] = await socketPair(transport, "lazy");
  const r2 = router(2);
  r2.attach(server, 0);
  const asked: number[] = [];
  const r0: Router = new Router({
    self: 0,
    layout,
    maxFrameSize: 1 << 20,
    requestTimeout: 1000,
    highWaterMark: 1 << 20,
    maxQueuedBytes: 1 << 26,
    onControl: () => {},
    dial: (address): Link | undefined => {
      asked.push(address as number);
      return address === 2 ? r0.attach(dialed, 2) : undefined;
    },
  });
  r0.ready();
  const heard = received(r2, "n", 2);
  assert.equal(r0.sendMessage("n", 1, 2), 1);
  assert.equal(r0.sendMessage("n", 2, 2), 1);
  assert.equal(r0.sendMessage("n", 3, 1), 0, "the owner could not dial worker 1");
  assert.equal(r0.sendMessage("n", 4, 7), 0, "not in the cluster: never dialed");
  assert.equal(r0.sendMessage("n", 5, 0), 1, "to itself: no dial");
  assert.deepEqual(await heard, [1, 2]);
  assert.deepEqual(asked, [2, 1]);
  await Promise.all([r0.close(), r2.close()]);
  await Deno.remove(dir, { recursive: true });
});
