import assert from "node:assert/strict";
import { isLent, LEND_MIN_BYTES, Lending } from "../../src/lending.ts";
import { FrameQueue } from "../../src/unix/frame_queue.ts";

const utf8 = new TextEncoder();

/** What the queue would write now: each chunk up to its fill. */
function take(queue: FrameQueue): Uint8Array[] {
  const { chunks, fills } = queue.take();
  return chunks.map((chunk, i) => chunk.subarray(0, fills[i]));
}

function join(chunks: Uint8Array[]): number[] {
  return chunks.flatMap((chunk) => [...chunk]);
}

Deno.test("FrameQueue writes big-endian prefixes, and frames of one batch share a chunk", () => {
  const queue = new FrameQueue();
  assert.equal(queue.append(new Uint8Array([7, 8])), 2);
  assert.equal(queue.append("hé"), 3);
  assert.equal(queue.length, 6 + 7);
  const chunks = take(queue);
  assert.equal(chunks.length, 1);
  assert.deepEqual(join(chunks), [0, 0, 0, 2, 7, 8, 0, 0, 0, 3, ...utf8.encode("hé")]);
  assert.equal(queue.length, 0);
});

Deno.test("FrameQueue gives back the payloads of every frame queued, in order, across chunks", () => {
  const queue = new FrameQueue();
  const big = new Uint8Array(100_000).fill(1);
  queue.append("a");
  queue.append(big);
  queue.append(new Uint8Array([2, 3]));
  const payloads = queue.takePayloads();
  assert.deepEqual(payloads.map((payload) => payload.length), [1, 100_000, 2]);
  assert.deepEqual([...payloads[0], ...payloads[2]], [...utf8.encode("a"), 2, 3]);
  assert.ok(payloads[1].every((byte) => byte === 1));
  assert.equal(queue.length, 0);
});

Deno.test("FrameQueue adds chunks for a backlog instead of copying what is queued", () => {
  const queue = new FrameQueue();
  const big = new Uint8Array(100_000).fill(1);
  for (let i = 0; i < 5; i++) queue.append(big);
  const chunks = take(queue);
  assert.equal(chunks.length, 5, "one chunk per frame that does not fit the last");
  assert.ok(chunks.every((chunk) => chunk.length === 100_004));
});

Deno.test("FrameQueue encodes text that is not ASCII, whatever room the first try had", () => {
  const queue = new FrameQueue();
  queue.append(new Uint8Array(65_000));
  const text = "日本語".repeat(200);
  assert.equal(queue.append(text), utf8.encode(text).length);
  const last = take(queue).at(-1)!;
  assert.deepEqual(last.subarray(4), utf8.encode(text));
});

Deno.test("FrameQueue takes back its last frame", () => {
  const queue = new FrameQueue();
  queue.append(new Uint8Array([1]));
  queue.append(new Uint8Array(200_000));
  queue.undoLast();
  assert.equal(queue.length, 5);
  queue.append(new Uint8Array([2]));
  assert.deepEqual(join(take(queue)), [0, 0, 0, 1, 1, 0, 0, 0, 1, 2]);
});

Deno.test("FrameQueue reuses written chunks, and keeps at most 8 MiB of them once empty", () => {
  const queue = new FrameQueue();
  const mib = 1024 * 1024;
  const burst = [1, 2, 3, 5].map((size) => new Uint8Array(size * mib));
  for (const frame of burst) queue.append(frame);
  const { chunks } = queue.take();
  queue.append(new Uint8Array(10)); // queued while the burst is written: not empty
  for (const chunk of chunks) queue.release(chunk);
  queue.append(new Uint8Array(0.9 * mib));
  const taken = queue.take().chunks;
  assert.ok(taken[1] === chunks[0], "the smallest pooled chunk that fits was reused");
  for (const chunk of taken) queue.release(chunk);
  // Empty now: the largest chunks that fit 8 MiB are kept (5 and 2 MiB), the rest let go.
  const kept = [4.5, 1.5, 2.5].map((size) => {
    queue.append(new Uint8Array(size * mib));
    return queue.take().chunks[0];
  });
  assert.ok(kept[0] === chunks[3] && kept[1] === chunks[1], "5 and 2 MiB kept");
  assert.ok(!chunks.includes(kept[2]), "3 MiB let go");
});

/** A frame with a lent array between two copied pieces, and the promise of it given back. */
function lentFrame(size: number, fill: number) {
  const lending = new Lending();
  const bytes = new Uint8Array(size).fill(fill);
  const payload = lending.lend({
    pieces: [new Uint8Array([1, 2]), bytes, new Uint8Array([3])],
    length: size + 3,
  });
  return { lending, payload, expected: [1, 2, ...new Uint8Array(size).fill(fill), 3] };
}

Deno.test("FrameQueue queues a lent array by reference, the same bytes as a copy, and gives it back once written", async () => {
  const queue = new FrameQueue();
  queue.append("a");
  const { lending, payload, expected } = lentFrame(LEND_MIN_BYTES, 5);
  queue.append(payload);
  queue.append("b");
  lending.returned();
  const { chunks, fills } = queue.take();
  assert.ok(chunks.some((chunk) => isLent(chunk)), "the lent array is a chunk of its own");
  const written = join(chunks.map((chunk, i) => chunk.subarray(0, fills[i])));
  const copy = new FrameQueue();
  copy.append("a");
  copy.append(new Uint8Array(expected));
  copy.append("b");
  assert.deepEqual(written, join(take(copy)));
  let back = false;
  lending.back.then(() => back = true);
  let lentReleased = false;
  for (const chunk of chunks) {
    await Promise.resolve();
    assert.equal(back, lentReleased);
    lentReleased ||= isLent(chunk);
    queue.release(chunk);
  }
  const [given] = await lending.back;
  assert.ok(given.every((byte) => byte === 5));
});

Deno.test("FrameQueue copies a lent array's frame into takePayloads() and gives it back", async () => {
  const queue = new FrameQueue();
  const { lending, payload, expected } = lentFrame(LEND_MIN_BYTES, 6);
  queue.append("x");
  queue.append(payload);
  lending.returned();
  const payloads = queue.takePayloads();
  assert.deepEqual(payloads.map((p) => p.length), [1, expected.length]);
  assert.deepEqual([...payloads[1]], expected);
  assert.equal((await lending.back)[0][0], 6);
});

Deno.test("FrameQueue gives a lent array back when its frame is undone or discarded", async () => {
  const queue = new FrameQueue();
  queue.append("keep");
  const undone = lentFrame(LEND_MIN_BYTES, 1);
  queue.append(undone.payload);
  undone.lending.returned();
  queue.undoLast();
  assert.equal((await undone.lending.back)[0][0], 1);
  assert.deepEqual(queue.takePayloads().map((p) => p.length), [4]);
  const dropped = lentFrame(LEND_MIN_BYTES, 2);
  queue.append(dropped.payload);
  dropped.lending.returned();
  queue.discard();
  assert.equal((await dropped.lending.back)[0][0], 2);
  assert.equal(queue.length, 0);
});
