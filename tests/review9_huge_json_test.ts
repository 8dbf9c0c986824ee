/**
 * Review 9: `sendMessage` "@throws {FrameError} When the data … is over
 * `maxFrameSize`; nothing is sent", and README "Errors and limits":
 * `FrameError` for "a message over `maxFrameSize`". Data whose JSON would
 * pass what a JavaScript string can hold (about 2^29 characters: here 600
 * references to one 1 MiB string, a small value in memory) makes
 * `JSON.stringify` in `src/codec.ts` `encodeMessage` throw a bare
 * `RangeError: Invalid string length`, which `sendMessage` and `request()`
 * pass on: a message some 40 times over the 16 MiB limit is not refused
 * as one. (The test costs some 600 MB and 3 s: the JSON is built up to
 * the engine's limit before it throws.)
 */

import assert from "node:assert/strict";
import { Cluster, FrameError, MANAGER } from "../mod.ts";

Deno.test("data whose JSON is too long for a string is refused as over maxFrameSize", async () => {
  await using cluster = await Cluster.start({ workers: 0, signals: false });
  const piece = "x".repeat(1024 * 1024);
  const pages = Array.from({ length: 600 }, () => piece);
  assert.throws(
    () => cluster.sendMessage("pages", pages, MANAGER),
    (error: Error) =>
      error instanceof FrameError && /over the 16777216-byte limit/.test(error.message),
  );
});
