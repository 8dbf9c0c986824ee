import assert from "node:assert/strict";
import { Loopback } from "../src/loopback.ts";

Deno.test("Loopback delivers copies in order, a tick later, and drains", async () => {
  const batches: Uint8Array[][] = [];
  const loopback = new Loopback((payloads) => batches.push([...payloads]));
  const payload = new Uint8Array([1, 2, 3]);
  assert.equal(loopback.send(payload), 3);
  payload[0] = 9; // the copy is taken at send
  assert.equal(loopback.send(new Uint8Array([4])), 1);
  assert.equal(loopback.queued, 4);
  assert.deepEqual(batches, [], "nothing within the sending tick");
  await loopback.drained(0);
  assert.deepEqual(batches, [[new Uint8Array([1, 2, 3]), new Uint8Array([4])]]);
  assert.equal(loopback.queued, 0);
  assert.equal(loopback.send("é"), 2, "text is sent as UTF-8");
  loopback.close();
  assert.equal(loopback.send(new Uint8Array([5])), -1);
  await loopback.drained(0);
  assert.deepEqual(
    batches[1],
    [new Uint8Array([0xc3, 0xa9])],
    "what was queued before close arrives",
  );
});
