import assert from "node:assert/strict";
import { FrameQueue } from "../src/frame_queue.ts";

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

Deno.test("FrameQueue reuses written chunks, and lets large ones go once traffic is calm", () => {
  const queue = new FrameQueue();
  queue.append(new Uint8Array(1_000_000));
  const [first] = queue.take().chunks;
  queue.release(first);
  queue.append(new Uint8Array(900_000));
  const [second] = queue.take().chunks;
  assert.equal(second, first, "the large chunk was reused");
  queue.release(second);
  for (let i = 0; i < 8; i++) {
    queue.append(new Uint8Array(10));
    for (const chunk of queue.take().chunks) queue.release(chunk);
  }
  queue.append(new Uint8Array(900_000));
  const [third] = queue.take().chunks;
  assert.notEqual(third, first, "given back after calm batches");
});
