/**
 * Review 10: review 9's "data whose JSON is too long for a string" was
 * put right in Switchboard (src/codec.ts `stringify`: a `FrameError`, "over
 * the … limit"), not in the Node reference peer, whose codec mirrors it
 * (README: "its errors have the names of Switchboard's"):
 * peers/node/codec.mjs `encodeMessage` still lets `JSON.stringify` throw a
 * bare `RangeError: Invalid string length`, which its `sendMessage` throws
 * and its `request()` rejects with. Run in Node.js itself (some 600 MB and
 * a few seconds, as review 9's test).
 */

import assert from "node:assert/strict";

const CODEC = new URL("../peers/node/codec.mjs", import.meta.url).href;

Deno.test("the Node peer refuses data whose JSON is too long for a string as over maxFrameSize", async () => {
  const script = `
    import { encodeMessage } from ${JSON.stringify(CODEC)};
    const piece = "x".repeat(1024 * 1024);
    const pages = Array.from({ length: 600 }, () => piece);
    try {
      encodeMessage({ action: "pages", data: pages }, 16 * 1024 * 1024, "m");
      console.log(JSON.stringify({ sent: true }));
    } catch (error) {
      console.log(JSON.stringify({ name: error.name, message: error.message }));
    }
  `;
  const { code, stdout, stderr } = await new Deno.Command("node", {
    args: ["--input-type=module", "-e", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  assert.equal(code, 0, text.decode(stderr));
  const outcome = JSON.parse(text.decode(stdout));
  assert.equal(outcome.name, "FrameError", JSON.stringify(outcome));
  assert.match(outcome.message, /over the 16777216-byte limit/);
});
