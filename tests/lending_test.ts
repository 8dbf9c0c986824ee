import assert from "node:assert/strict";
import { hold, isLent, LEND_MIN_BYTES, Lending, letGo } from "../src/lending.ts";
import type { PayloadPieces } from "../src/transport.ts";

/** A frame as the encoder makes it: a head, then the attachments. */
function frame(...attachments: Uint8Array[]): PayloadPieces {
  const head = new Uint8Array([1, 2, 3]);
  const pieces = [head, ...attachments];
  return { pieces, length: pieces.reduce((sum, piece) => sum + piece.length, 0) };
}

/** Whether a promise settled by now (a macrotask later). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(() => done = true, () => done = true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
}

Deno.test("Lending detaches large arrays at the call and gives them back once every hold ends", async () => {
  const big = new Uint8Array(LEND_MIN_BYTES).fill(7);
  const lending = new Lending();
  const lent = lending.lend(frame(big)) as PayloadPieces;
  assert.equal(big.byteLength, 0, "the caller's array is detached");
  const queued = lent.pieces[1];
  assert.ok(isLent(queued));
  hold(queued); // one queue
  hold(queued); // another
  lending.returned();
  letGo(queued);
  assert.equal(await settled(lending.back), false, "one queue still holds it");
  letGo(queued);
  const [back] = await lending.back;
  assert.equal(back.length, LEND_MIN_BYTES);
  assert.ok(back.every((byte) => byte === 7));
  assert.equal(queued.byteLength, 0, "the library keeps nothing it could touch");
  assert.equal(isLent(back), false);
});

Deno.test("Lending copies small and shared arrays, and gives back at once when nothing was queued", async () => {
  const small = new Uint8Array(LEND_MIN_BYTES - 1);
  const shared = new Uint8Array(new SharedArrayBuffer(LEND_MIN_BYTES));
  const big = new Uint8Array(LEND_MIN_BYTES * 2).fill(3);
  const lending = new Lending();
  const lent = lending.lend(frame(small, shared, big)) as PayloadPieces;
  assert.equal(lent.pieces[1], small);
  assert.equal(lent.pieces[2], shared);
  assert.equal(small.byteLength, LEND_MIN_BYTES - 1);
  assert.equal(big.byteLength, 0);
  assert.ok(lending.lent);
  lending.returned();
  const back = await lending.back;
  assert.equal(back.length, 1);
  assert.ok(back[0].every((byte) => byte === 3));
});

Deno.test("Lending gives views of one buffer back sharing it, in the order found", async () => {
  const buffer = new ArrayBuffer(LEND_MIN_BYTES * 4);
  const second = new Uint8Array(buffer, LEND_MIN_BYTES * 2, LEND_MIN_BYTES).fill(2);
  const first = new Uint8Array(buffer, 0, LEND_MIN_BYTES).fill(1);
  const other = new Uint8Array(LEND_MIN_BYTES).fill(9);
  const lending = new Lending();
  const lent = lending.lend(frame(first, other, second)) as PayloadPieces;
  for (const piece of lent.pieces.slice(1)) hold(piece);
  lending.returned();
  letGo(lent.pieces[1]);
  letGo(lent.pieces[2]);
  assert.equal(await settled(lending.back), false, "the shared buffer is still held once");
  letGo(lent.pieces[3]);
  const [a, b, c] = await lending.back;
  assert.equal(a.buffer, c.buffer);
  assert.deepEqual([a.byteOffset, c.byteOffset], [0, LEND_MIN_BYTES * 2]);
  assert.deepEqual([a[0], b[0], c[0]], [1, 9, 2]);
});

Deno.test("Lending with nothing lent resolves with no arrays", async () => {
  const lending = new Lending();
  assert.equal(lending.lend("text"), "text");
  assert.equal(lending.lent, false);
  lending.returned();
  assert.deepEqual(await lending.back, []);
});
