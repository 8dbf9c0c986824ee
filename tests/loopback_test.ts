import assert from "node:assert/strict";
import { LoopbackConnection } from "../src/loopback.ts";

Deno.test("LoopbackConnection delivers copies in order, a tick later, and drains", async () => {
  const loopback = new LoopbackConnection();
  const payload = new Uint8Array([1, 2, 3]);
  assert.equal(loopback.send(payload), 3);
  payload[0] = 9; // the copy is taken at send
  assert.equal(loopback.send(new Uint8Array([4])), 1);
  assert.equal(loopback.bufferedBytes, 4 + 2 * 4, "counted as frames, headers included");
  const drained = loopback.drained(0);
  const batches: Uint8Array[][] = [];
  loopback.receive((payloads) => batches.push(payloads.map((p) => p.slice())));
  await drained;
  assert.deepEqual(batches, [[new Uint8Array([1, 2, 3]), new Uint8Array([4])]]);
  assert.equal(loopback.bufferedBytes, 0);
  assert.equal(loopback.send("é"), 2, "text is sent as UTF-8");
  loopback.close();
  assert.equal(loopback.send(new Uint8Array([5])), -1);
  assert.equal(await loopback.closed, undefined);
  assert.deepEqual(
    batches[1],
    [new Uint8Array([0xc3, 0xa9])],
    "what was queued before close arrives",
  );
});
