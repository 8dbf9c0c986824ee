import assert from "node:assert/strict";
import { Cluster, MANAGER } from "../mod.ts";
import { arraysIn, hash } from "./fixtures/hashes.ts";
import { waitFor } from "./helpers.ts";

const WORKER = new URL("./fixtures/lending_worker.ts", import.meta.url);
const MiB = 1024 * 1024;

function start(workers = 1, options = {}): Promise<Cluster> {
  return Cluster.start({ worker: WORKER, workers, ...options });
}

function filled(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) bytes[i] = (seed + i / 4096) & 255;
  return bytes;
}

async function heard(cluster: Cluster, to: number): Promise<string[]> {
  return await cluster.request("heardRequest", undefined, { to }) as string[];
}

for (const size of [MiB, 4 * MiB]) {
  Deno.test(`sendLending() carries ${size / MiB} MiB intact, the array empty until given back`, async () => {
    await using cluster = await start();
    const bytes = filled(size, size);
    const expected = hash(bytes);
    const { sent, back } = cluster.sendLending("bytes", bytes, 0);
    assert.equal(sent, 1);
    assert.equal(bytes.byteLength, 0, "lent: detached at the call");
    const [given] = await waitFor(back, "the array given back");
    assert.equal(hash(given), expected, "given back holding what was sent");
    assert.deepEqual(await heard(cluster, 0), [expected]);
  });
}

Deno.test("sendLending() reuses one buffer 50 times", async () => {
  await using cluster = await start();
  let buffer = new Uint8Array(MiB);
  const expected: string[] = [];
  for (let i = 0; i < 50; i++) {
    buffer.fill(i);
    expected.push(hash(buffer));
    const { back } = cluster.sendLending("bytes", buffer, 0);
    [buffer] = await waitFor(back, `buffer ${i} given back`);
  }
  assert.deepEqual(await heard(cluster, 0), expected);
});

Deno.test("sendLending() to every worker gives back after the last write", async () => {
  await using cluster = await start(3);
  const bytes = filled(2 * MiB, 7);
  const expected = hash(bytes);
  const { sent, back } = cluster.sendLending("bytes", bytes);
  assert.equal(sent, 3);
  const [given] = await waitFor(back, "the array given back");
  assert.equal(hash(given), expected);
  for (const to of [0, 1, 2]) assert.deepEqual(await heard(cluster, to), [expected]);
});

Deno.test("sendLending() gives nested arrays back in the order found; small ones are copied", async () => {
  await using cluster = await start();
  const [a, b, c] = [filled(MiB, 1), filled(100_000, 2), filled(300_000, 3)];
  const small = filled(1000, 4);
  const data = { first: a, list: [1, { b, small }], last: c };
  const expected = arraysIn(data).map(hash);
  const { back } = cluster.sendLending("bytes", data, 0);
  assert.deepEqual([a.byteLength, b.byteLength, c.byteLength], [0, 0, 0]);
  assert.equal(small.byteLength, 1000, "a small array is copied, not lent");
  const given = await waitFor(back, "the arrays given back");
  assert.deepEqual(given.map(hash), [expected[0], expected[1], expected[3]]);
  assert.deepEqual(await heard(cluster, 0), [expected.join(",")]);
});

Deno.test("sendLending() refused gives back at once, unchanged; lending a lent array throws", async () => {
  await using cluster = await start(1, { maxFrameSize: 2 * MiB, maxQueuedBytes: 3 * MiB });
  const queued = cluster.sendLending("bytes", filled(MiB + MiB / 2, 8), 0);
  const bytes = filled(MiB + MiB / 2, 9);
  const expected = hash(bytes);
  const full = cluster.sendLending("bytes", bytes, 0);
  assert.equal(full.sent, 0);
  assert.equal(full.refused?.name, "QueueFullError");
  assert.equal(hash((await full.back)[0]), expected);
  await queued.back;
  const tooLarge = filled(3 * MiB, 1);
  assert.throws(() => cluster.sendLending("bytes", tooLarge, 0), /maxFrameSize|too large/i);
  assert.equal(tooLarge.byteLength, 3 * MiB, "refused before anything was lent");
  const none = cluster.sendLending("bytes", filled(MiB, 1), 7);
  assert.equal(none.sent, 0, "no such target");
  assert.equal((await none.back)[0].byteLength, MiB);
  const twice = filled(MiB, 2);
  const first = cluster.sendLending("bytes", twice, 0);
  assert.throws(() => cluster.sendLending("bytes", twice, 0), /detached/);
  await first.back;
});

Deno.test("sendLending() to a receiver killed mid-flight still gives back", async () => {
  await using cluster = await start(1, { restart: false });
  const backs = [];
  for (let i = 0; i < 8; i++) backs.push(cluster.sendLending("bytes", filled(4 * MiB, i), 0).back);
  Deno.kill(cluster.pid(0)!, "SIGKILL");
  const given = await waitFor(Promise.all(backs), "every array given back");
  given.forEach(([bytes], i) => assert.equal(hash(bytes), hash(filled(4 * MiB, i))));
});

Deno.test("sendLending() from a worker, to the manager and to a sibling through it", async () => {
  await using cluster = await start(2);
  const atManager: string[] = [];
  cluster.on("bytes", (data) => void atManager.push(hash(data as Uint8Array)));
  const hashes = await cluster.request("lendRequest", { size: MiB, times: 3, to: "manager" }, {
    to: 0,
  }) as string[];
  assert.deepEqual(atManager, hashes);
  const relayed = await cluster.request("lendRequest", { size: 2 * MiB, times: 5, to: 1 }, {
    to: 0,
  }) as string[];
  assert.deepEqual(await heard(cluster, 1), relayed);
});

Deno.test("sendLending() to itself (loopback) copies, and gives back as the call returns", async () => {
  await using cluster = await start();
  const bytes = filled(MiB, 5);
  const expected = hash(bytes);
  const got = Promise.withResolvers<string>();
  cluster.on("bytes", (data) => got.resolve(hash(data as Uint8Array)));
  const { sent, back } = cluster.sendLending("bytes", bytes, MANAGER);
  assert.equal(sent, 1);
  assert.equal(hash((await back)[0]), expected);
  assert.equal(await waitFor(got.promise, "the message to itself"), expected);
});
