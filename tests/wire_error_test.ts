/** `toWireError`: what a thrown value becomes in a failed answer. */

import assert from "node:assert/strict";
import { decodeMessage } from "../src/codec.ts";
import { toWireError } from "../src/wire_error.ts";

const utf8 = new TextEncoder();

Deno.test("toWireError keeps name, message and stack", () => {
  const error = new TypeError("boom");
  assert.deepEqual(toWireError(error), { name: "TypeError", message: "boom", stack: error.stack });
  assert.deepEqual(toWireError("plain"), { name: "Error", message: "plain" });
});

Deno.test("toWireError turns any thrown value into a valid error, and never throws", () => {
  const odd = Object.assign(new Error("x"), { message: undefined, name: 42 });
  assert.deepEqual({ ...toWireError(odd), stack: undefined }, {
    name: "42",
    message: "undefined",
    stack: undefined,
  });
  const hostile = new Error("x");
  Object.defineProperty(hostile, "message", {
    get() {
      throw new Error("no");
    },
  });
  assert.deepEqual(toWireError(hostile), {
    name: "Error",
    message: "an error that cannot be read",
  });
  assert.deepEqual(toWireError(Symbol("s")), { name: "Error", message: "Symbol(s)" });
  // What it returns always passes the receiver's check.
  for (const thrown of [odd, hostile, Symbol("s"), null, undefined, { toString: () => "obj" }]) {
    const frame = utf8.encode(
      JSON.stringify({ action: "xResponse", re: true, error: toWireError(thrown) }),
    );
    assert.ok(decodeMessage(frame, "worker 0").error);
  }
});
