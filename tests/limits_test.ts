/** Bad data and bad peers: refused with a clear error, and nothing else is lost. */

import assert from "node:assert/strict";
import { FrameError } from "../mod.ts";
import { FrameQueue } from "../src/unix/frame_queue.ts";
import { nextEvent, nextMessage, Recorder, remote, startCluster, waitFor } from "./helpers.ts";

Deno.test("data that would not arrive as sent fails at the sender, and the connection stays up", async () => {
  await using cluster = await startCluster();
  const seen = new Recorder<{ data: unknown; from: unknown }>(cluster, "seen");
  assert.throws(
    () => cluster.sendMessage("test", { s: Symbol("s") }, 1),
    (error: unknown) =>
      error instanceof FrameError &&
      error.message ===
        'Cannot send "test" to worker 1: data.s is a symbol, which would not arrive as sent',
  );
  assert.throws(() => cluster.sendMessage("test", { f: () => {} }), /data\.f is a function/);
  for (const what of ["symbol", "function", "cycle"]) {
    const outcome = await remote(cluster, 0, { op: "sendUnencodable", what, to: 1 });
    assert.ok("error" in outcome, what);
    assert.equal(outcome.error.name, "FrameError");
    assert.match(outcome.error.message, /^Cannot send "test" to worker 1: /);
  }
  // Nothing was sent, and both connections still carry messages.
  assert.equal(cluster.sendMessage("test", "after", 1), 1);
  assert.deepEqual(
    await remote(cluster, 0, { op: "send", action: "test", data: "from 0", to: 1 }),
    { ok: 1 },
  );
  const data = await seen.until((d) => d.length === 2);
  assert.deepEqual(data.map((s) => s.data).sort(), ["after", "from 0"]);
});

Deno.test("a message over maxFrameSize is refused at the sender", async () => {
  await using cluster = await startCluster({ maxFrameSize: 10_000 });
  assert.throws(
    () => cluster.sendMessage("test", "x".repeat(20_000), 2),
    (error: unknown) =>
      error instanceof FrameError &&
      /^Cannot send "test" to worker 2: the message is 200\d\d bytes, over the 10000-byte limit/
        .test(
          error.message,
        ),
  );
  const outcome = await remote(cluster, 1, { op: "sendBytes", bytes: 20_000, to: 2 });
  assert.ok("error" in outcome);
  assert.match(outcome.error.message, /over the 10000-byte limit \(maxFrameSize\)/);
  await assert.rejects(cluster.request("echoRequest", "x".repeat(20_000), { to: 0 }), FrameError);
  assert.deepEqual(await remote(cluster, 1, { op: "sendBytes", bytes: 9_000, to: 2 }), { ok: 1 });
});

/** Writes raw frames to a socket of the cluster, as a process without the token would. */
async function intrude(path: string, frames: Uint8Array[]): Promise<void> {
  const conn = await Deno.connect({ transport: "unix", path });
  const queue = new FrameQueue();
  for (const frame of frames) queue.append(frame);
  try {
    const { chunks, fills } = queue.take();
    for (const [i, chunk] of chunks.entries()) await conn.write(chunk.subarray(0, fills[i]));
    // The cluster closes the connection: reading ends.
    while (await conn.read(new Uint8Array(1024)) !== null);
  } catch {
    // Reset by the cluster: closed just the same.
  } finally {
    conn.close();
  }
}

Deno.test("a connection without the cluster's token is refused and the cluster keeps serving", async () => {
  await using cluster = await startCluster();
  const utf8 = new TextEncoder();
  const refused: Error[] = [];
  const threeRefusals = nextEvent(
    (listener) => cluster.onError((error) => listener(refused.push(error))),
    "3 refusals",
    (count) => count === 3,
  );
  const manager = `${cluster.socketDir}/m.sock`;
  await intrude(manager, [
    utf8.encode(JSON.stringify({ action: "$hello", data: { from: 0, token: "guess" } })),
  ]);
  await intrude(manager, [utf8.encode(JSON.stringify({ action: "test", data: {} }))]);
  await intrude(manager, [new Uint8Array(100_000)]);
  await threeRefusals;
  assert.ok(refused.every((error) => error instanceof FrameError));
  assert.match(
    refused[0].message,
    /^Refused a connection to the manager that said it was worker 0: its token is wrong/,
  );
  assert.match(refused[1].message, /^Refused a connection to the manager: it opened with "test"/);
  assert.match(refused[2].message, /over the 4096-byte limit/);

  // A worker's socket refuses the same way, and goes on serving.
  await intrude(`${cluster.socketDir}/w1.sock`, [utf8.encode("not json")]);
  const pong = nextMessage(cluster, "testResponse");
  assert.deepEqual(await cluster.request("testRequest", { time: 1 }, { to: 1 }), {
    time: 1,
    by: 1,
  });
  await pong;
  assert.equal(cluster.sendMessage("test", {}), 3);
});

/** Says `$hello` with a wrong token to `path`, and waits until the other end closes. */
async function wrongHello(path: string): Promise<void> {
  const hello = { action: "$hello", data: { from: 0, token: "guess" } };
  await intrude(path, [new TextEncoder().encode(JSON.stringify(hello))]);
}

Deno.test("refusals past 10 in 10 s are counted, and the count is reported once the 10 s are over", async () => {
  await using cluster = await startCluster({ workers: 1, processes: {} });
  const errors: Error[] = [];
  cluster.onError((error) => errors.push(error));
  const summary = nextEvent<Error>(
    (listener) => cluster.onError(listener),
    "the count of the refusals not reported one by one",
    (error) => /more connections/.test(error.message),
    15_000,
  );
  for (let i = 0; i < 25; i++) await wrongHello(`${cluster.socketDir}/m.sock`);
  // Before the fix, the count waited for a refusal after the 10 s, and an
  // attack that had stopped was never counted: the wait timed out.
  await summary;
  assert.equal(errors.length, 11);
  assert.ok(errors.every((error) => error instanceof FrameError));
  for (const error of errors.slice(0, 10)) {
    assert.match(error.message, /^Refused a connection to the manager that said it was worker 0: /);
  }
  assert.equal(
    errors[10].message,
    "Refused 15 more connections to the manager within 10000 ms, not reported one by one (at most 10 are)",
  );
});

Deno.test("at most 64 connections wait for their hello, the oldest refused past that, each at most 10 s", async () => {
  await using cluster = await startCluster({ workers: 1, processes: {} });
  const errors: Error[] = [];
  cluster.onError((error) => errors.push(error));
  const overLimit = nextEvent<Error>(
    (listener) => cluster.onError(listener),
    "a connection refused past the limit",
    (error) => /: no hello while 64 newer connections came$/.test(error.message),
  );
  const path = `${cluster.socketDir}/m.sock`;
  const silent: Deno.Conn[] = [];
  try {
    for (let i = 0; i < 65; i++) silent.push(await Deno.connect({ transport: "unix", path }));
    await overLimit;
    // A child's requests still go, on the connection it has.
    const echo = await cluster.request("echoRequest", "x", { to: 0 }) as { data: unknown };
    assert.equal(echo.data, "x");
    // The first was closed as the 65th came.
    assert.equal(await silent[0].read(new Uint8Array(64)), null);
    // The manager closes each silent connection: the first at once, the others after 10 s.
    await waitFor(
      Promise.all(silent.map(async (conn) => {
        try {
          while (await conn.read(new Uint8Array(64)) !== null);
        } catch {
          // Reset: closed just the same.
        }
      })),
      "the manager to close every silent connection",
      15_000,
    );
    assert.ok(errors.some((error) => /: no hello within 10000 ms/.test(error.message)));
  } finally {
    for (const conn of silent) conn.close();
  }
});
