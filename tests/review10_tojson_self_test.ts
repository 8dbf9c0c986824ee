/**
 * Review 10: README ("What data can hold"): "An object or array with a
 * `toJSON` method … is sent as what `toJSON` returns, as `JSON.stringify`
 * would." A plain object whose own `toJSON` returns the object itself is
 * written by `JSON.stringify` as its properties, the method left out (a
 * function). Switchboard's codec and, since today, the Node peer's walk
 * that object's properties as they are (src/wire_values.ts `#jsonForm`,
 * peers/node/wire_values.mjs `#jsonForm`: `form === object` →
 * `#record(object)`), meet the method among them, and refuse the data:
 * "data.toJSON is a function". (An array's `toJSON` is no item, and is
 * passed over as it should be.)
 */

import assert from "node:assert/strict";
import { decodeMessage, encodeMessage, toBytes } from "../src/codec.ts";
import { encodeMessage as nodeEncode } from "../peers/node/codec.mjs";

const LIMIT = 1024 * 1024;

Deno.test("a plain object whose toJSON returns itself is sent as JSON.stringify sends it", () => {
  const data = {
    a: 1,
    toJSON() {
      return this;
    },
  };
  assert.equal(JSON.stringify(data), '{"a":1}', "what JSON.stringify sends");
  const fromDeno = decodeMessage(
    toBytes(encodeMessage({ action: "x", data }, LIMIT, "node")).slice(),
    "the manager",
  );
  assert.deepEqual(fromDeno.data, { a: 1 }, "Switchboard's own codec");
  const fromNode = decodeMessage(
    new Uint8Array(nodeEncode({ action: "x", data }, LIMIT)),
    'service "node"',
  );
  assert.deepEqual(fromNode.data, { a: 1 }, "the Node peer's codec");
});
