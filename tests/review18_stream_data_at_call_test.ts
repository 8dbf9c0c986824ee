/**
 * Review 18: README (What data can hold) says "What is sent is the data as
 * it was at the call: changing it afterwards changes nothing sent".
 * `requestStream()` checked the data against its schema at the call, but
 * encoded it only at the first `next()`: what the caller changed in between
 * (an object's field, a `Uint8Array`'s bytes) was sent, unchecked.
 */

import assert from "node:assert/strict";
import { Cluster, MANAGER, type StandardSchemaV1 } from "../mod.ts";

type Parts = { partsRequest: { n: number; bytes: Uint8Array }; partsResponse: unknown };

const one: StandardSchemaV1<Parts["partsRequest"]> = {
  "~standard": {
    version: 1,
    vendor: "review18",
    validate: (value) =>
      (value as { n?: unknown }).n === 1
        ? { value: value as Parts["partsRequest"] }
        : { issues: [{ message: "Expected 1", path: ["n"] }] },
  },
};

Deno.test("requestStream() sends the data as it was at the call, as it was checked", async () => {
  await using cluster = await Cluster.start<Parts>({
    workers: 0,
    signals: false,
    schemas: { partsRequest: one },
  });
  cluster.handle("partsRequest", async function* (data) {
    yield data.n;
    yield [...data.bytes];
  });
  const data = { n: 1, bytes: new Uint8Array([1, 2, 3]) };
  const stream = cluster.requestStream("partsRequest", data, { to: MANAGER });
  // Changed after the call, before the stream is read.
  data.n = 2;
  data.bytes[0] = 9;
  const parts: unknown[] = [];
  for await (const part of stream) parts.push(part);
  assert.deepEqual(parts, [1, [1, 2, 3]]);
});
