/**
 * Review 18: README (Streamed answers) said "A plain handler answers with
 * one part". It answers with what it returned as that part, and with none
 * when it returned `undefined` (the end of a stream carries no data), as
 * README now says; `request()` resolves with `undefined` from the same.
 */

import assert from "node:assert/strict";
import { Cluster, MANAGER } from "../mod.ts";

Deno.test("a plain handler answers a streamed request with one part, or none for undefined", async () => {
  await using cluster = await Cluster.start({ workers: 0, signals: false });
  cluster.handle("valueRequest", () => 5);
  cluster.handle("nothingRequest", async () => {});
  const read = async (action: string) => {
    const parts: unknown[] = [];
    for await (const part of cluster.requestStream(action, {}, { to: MANAGER })) parts.push(part);
    return parts;
  };
  assert.deepEqual(await read("valueRequest"), [5]);
  assert.deepEqual(await read("nothingRequest"), []);
  assert.equal(await cluster.request("nothingRequest", {}, { to: MANAGER }), undefined);
});
