/**
 * Review 14: the Node reference peer mirrors Switchboard's refusal of data
 * whose tags alone are over `maxFrameSize`, and with it the same mistake:
 * a property whose `toJSON` gives undefined is tagged, then the tag taken
 * back (JSON leaves such a property out), and its bytes still count. Data
 * whose JSON is `{}` is refused as "over the limit in its tags alone".
 */

import assert from "node:assert/strict";
import { encodeMessage, toBytes } from "../src/codec.ts";
import { encodeMessage as nodeEncode } from "../peers/node/codec.mjs";

const LIMIT = 1024 * 1024;

Deno.test("the Node peer, as Switchboard, does not count properties JSON leaves out against maxFrameSize", () => {
  const gone = { toJSON: () => undefined };
  const data: Record<string, unknown> = {};
  for (let i = 0; i < 70_000; i++) data[`k${i}`] = gone;
  const deno = toBytes(encodeMessage({ action: "a", data }, LIMIT, 1));
  const node = nodeEncode({ action: "a", data }, LIMIT, 1);
  assert.deepEqual([...node], [...deno]);
});
