/** Values beyond JSON between real processes: bytes beside the JSON, built-ins as sent. */

import assert from "node:assert/strict";
import { FrameError, RemoteError } from "../mod.ts";
import { remote, startCluster } from "./helpers.ts";

/** Everything the codec carries beyond JSON, with 5 MiB of bytes. */
function richData() {
  const file = new Uint8Array(5 * 1024 * 1024);
  for (let i = 0; i < file.length; i += 65536) crypto.getRandomValues(file.subarray(i, i + 65536));
  return {
    file,
    chunks: [new Uint8Array([1, 2, 3]), new Uint8Array(0)],
    at: new Date(1_700_000_000_000),
    failure: new TypeError("bad input", { cause: new Error("deeper") }),
    index: { a: [1, -0, undefined] },
    pattern: /^x+$/u,
  };
}

Deno.test("a 5 MiB Uint8Array and the built-ins arrive as sent, manager to worker and back", async () => {
  await using cluster = await startCluster({ workers: 2 });
  const data = richData();
  const echo = await cluster.request("echoRequest", data, { to: 0 }) as { data: unknown };
  assert.deepStrictEqual(echo.data, data);
  const failure = (echo.data as typeof data).failure;
  assert.ok(failure instanceof TypeError && failure.stack === data.failure.stack);
});

Deno.test("bytes and built-ins go worker to worker, and a worker's refusal names the place", async () => {
  await using cluster = await startCluster({ workers: 2 });
  const data = { file: new Uint8Array(1024 * 1024).fill(7), at: new Date(5), n: -0 };
  const outcome = await remote(cluster, 0, {
    op: "request",
    action: "echoRequest",
    data,
    to: 1,
  }) as { ok: { data: unknown; by: number } };
  assert.deepStrictEqual(outcome.ok.data, data);
  assert.equal(outcome.ok.by, 1);
  // A function in a handler's answer fails the request, saying where it was.
  await assert.rejects(
    cluster.request("badResultRequest", {}, { to: 1 }),
    (error: unknown) =>
      error instanceof RemoteError && error.remoteName === "FrameError" &&
      /data\.run is a function, which would not arrive as sent/.test(error.remoteMessage),
  );
  assert.throws(
    () => cluster.sendMessage("test", { when: new (class When {})() }, 1),
    (error: unknown) => error instanceof FrameError && /data\.when is a When/.test(error.message),
  );
  // What JSON would write as null or {} is refused where it is sent, naming the action and peer.
  assert.throws(
    () => cluster.sendMessage("test", { total: 10n }, 1),
    (error: unknown) =>
      error instanceof FrameError &&
      error.message.startsWith('Cannot send "test" to worker 1: data.total is a BigInt'),
  );
});

Deno.test("received Uint8Arrays stay intact while later ones arrive on the same connection", async () => {
  await using cluster = await startCluster({ workers: 1 });
  // Each is copied out of the read buffer, which the next frames reuse, or
  // (from 128 KiB) read into memory of its own while the next frames wait.
  const sizes = [1024 * 1024, 10, 300 * 1024, 4 * 1024 * 1024, 100_000, 1024 * 1024];
  const sent = sizes.map((size, i) => new Uint8Array(size).fill(i + 1));
  const echoes = await Promise.all(
    sent.map((file) => cluster.request("echoRequest", { file }, { to: 0 })),
  ) as { data: { file: Uint8Array } }[];
  echoes.forEach(({ data: { file } }, i) => {
    assert.deepStrictEqual(file, sent[i], `array ${i}`);
    assert.ok(file.byteOffset === 0 && file.buffer.byteLength === file.length, "memory of its own");
  });
});

Deno.test("an array changed right after it was sent arrives as it was when sent", async () => {
  await using cluster = await startCluster({ workers: 1 });
  const sizes = [10, 1024 * 1024];
  const files = sizes.map((size) => new Uint8Array(size).fill(1));
  const echoes = files.map((file) => cluster.request("echoRequest", { file }, { to: 0 }));
  for (const file of files) file.fill(2);
  for (
    const [i, echo] of (await Promise.all(echoes) as { data: { file: Uint8Array } }[]).entries()
  ) {
    assert.deepStrictEqual(echo.data.file, new Uint8Array(sizes[i]).fill(1), `${sizes[i]} bytes`);
  }
});
