/**
 * Review 9: README ("What data can hold"): "An object or array with a
 * `toJSON` method (a `URL`, your own class) is sent as what `toJSON`
 * returns, as `JSON.stringify` would." Switchboard's codec does so; the
 * Node reference peer (peers/node/wire_values.mjs `#object`) walks an
 * array's items and never asks its `toJSON`, so the same data arrives as
 * the array from Node and as what `toJSON` gave from Deno.
 */

import assert from "node:assert/strict";
import { decodeMessage, encodeMessage, toBytes } from "../src/codec.ts";
import { encodeMessage as nodeEncode } from "../peers/node/codec.mjs";

const LIMIT = 1024 * 1024;

/** An array that chooses its JSON form, as a class extending Array may. */
function listWithJsonForm(): unknown[] {
  const list: unknown[] & { toJSON?: () => unknown } = [1, 2, 3];
  list.toJSON = () => ({ count: 3 });
  return list;
}

Deno.test("the Node peer sends an array with a toJSON method as what toJSON returns", () => {
  const data = { list: listWithJsonForm() };
  assert.equal(JSON.stringify(data), '{"list":{"count":3}}', "what JSON.stringify sends");
  const fromDeno = decodeMessage(
    toBytes(encodeMessage({ action: "x", data }, LIMIT, "node")).slice(),
    "the manager",
  );
  assert.deepEqual(fromDeno.data, { list: { count: 3 } }, "Switchboard's own codec");
  const fromNode = decodeMessage(
    new Uint8Array(nodeEncode({ action: "x", data }, LIMIT)),
    'service "node"',
  );
  assert.deepEqual(fromNode.data, { list: { count: 3 } }, "the Node peer's codec");
});

Deno.test("the Node peer takes a toJSON that returns its own object as that object, and refuses a toJSON chain as too deep", () => {
  const self: unknown[] & { toJSON?: () => unknown } = [1, 2];
  self.toJSON = function () {
    return this;
  };
  const sent = new TextDecoder().decode(nodeEncode({ action: "x", data: { self } }, LIMIT));
  assert.equal(sent, '{"action":"x","data":{"self":[1,2]}}');
  // Each form a new object with a toJSON: nested without a step on the path.
  const chain = {
    toJSON(): unknown {
      return { toJSON: this.toJSON };
    },
  };
  assert.throws(
    () => nodeEncode({ action: "x", data: chain }, LIMIT),
    (error: Error) => error.name === "FrameError" && /nested over 1000 levels/.test(error.message),
  );
});
