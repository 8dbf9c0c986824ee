import assert from "node:assert/strict";
import { LoopbackConnection } from "../src/loopback.ts";

Deno.test("LoopbackConnection delivers copies in order, a tick later, and drains", async () => {
  const loopback = new LoopbackConnection();
  const payload = new Uint8Array([1, 2, 3]);
  assert.ok(loopback.send(payload));
  payload[0] = 9; // the copy is taken at send
  assert.ok(loopback.send(new Uint8Array([4])));
  assert.equal(loopback.bufferedBytes, 4);
  const drained = loopback.drained(0);
  const iterator = loopback[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.deepEqual(first.value, [new Uint8Array([1, 2, 3]), new Uint8Array([4])]);
  await drained;
  assert.equal(loopback.bufferedBytes, 0);
  loopback.close();
  assert.equal(loopback.send(new Uint8Array([5])), false);
  assert.equal((await iterator.next()).done, true);
  assert.equal(await loopback.closed, undefined);
});
