/**
 * A received array is a copy of its own; the newest large one stays
 * referenced until the next, so that glibc keeps the memory of those
 * before it (see `src/received_bytes.ts`; its effect is measured by
 * `bench/bytes_cost.ts`).
 */

import assert from "node:assert/strict";
import { copyReceived, isKeptNow } from "../src/received_bytes.ts";

Deno.test("a received array is a copy of its own, and only the newest large one stays referenced", () => {
  const frame = new Uint8Array(10 * 1024 * 1024).fill(7);
  const first = copyReceived(frame, 4, 256 * 1024);
  frame[4] = 9;
  first[1] = 8;
  assert.deepEqual([first[0], first[1], frame[4], frame[5]], [7, 8, 9, 7], "nothing shared");
  assert.equal(first.byteOffset, 0);
  assert.equal(first.buffer.byteLength, 256 * 1024, "its memory is its own, no more");
  assert.ok(isKeptNow(first));
  assert.ok(!isKeptNow(copyReceived(frame, 0, 1024)), "a small one is not kept");
  assert.ok(!isKeptNow(copyReceived(frame, 0, 9 * 1024 * 1024)), "nor one over 8 MiB");
  assert.ok(isKeptNow(first), "the newest large one still is");
  const second = copyReceived(frame, 0, 4 * 1024 * 1024);
  assert.ok(isKeptNow(second) && !isKeptNow(first), "until the next");
});
