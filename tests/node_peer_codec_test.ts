/**
 * The Node.js reference peer's wire format (`peers/node/frames.mjs`,
 * `peers/node/codec.mjs`), in this process: its frame reader under every
 * split and coalesce of chunk boundaries, and its messages against
 * Switchboard's own codec, both ways.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { decodeMessage, encodeMessage, toBytes } from "../src/codec.ts";
import { frame, FrameReader } from "../peers/node/frames.mjs";
import { decodeMessage as nodeDecode, encodeMessage as nodeEncode } from "../peers/node/codec.mjs";

const LIMIT = 1024 * 1024;

/** Three payloads: JSON, the binary form, and an empty one; framed back to back. */
function stream(): { payloads: Uint8Array[]; bytes: Uint8Array } {
  const payloads = [
    nodeEncode({ action: "a", data: { text: "héllo" } }, LIMIT),
    nodeEncode({ action: "b", data: new Uint8Array([0, 1, 2, 255]) }, LIMIT),
    new Uint8Array(0),
  ];
  return { payloads, bytes: Buffer.concat(payloads.map((payload) => frame(payload))) };
}

/** Feeds `chunks` to a reader and returns every payload it completes. */
function read(chunks: Uint8Array[], limit = LIMIT): Uint8Array[] {
  const reader = new FrameReader(limit);
  return chunks.flatMap((chunk) => reader.push(Buffer.from(chunk)));
}

Deno.test("the Node peer's frame reader gives the same payloads however the stream is cut", () => {
  const { payloads, bytes } = stream();
  const expected = payloads.map((payload) => [...payload]);
  assert.deepEqual(read([bytes]).map((p) => [...p]), expected, "all coalesced");
  for (let cut = 0; cut <= bytes.length; cut++) {
    const got = read([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.deepEqual(got.map((p) => [...p]), expected, `cut at ${cut}`);
  }
  for (let first = 1; first < bytes.length; first += 3) {
    for (let second = first; second < bytes.length; second += 5) {
      const got = read([
        bytes.subarray(0, first),
        bytes.subarray(first, second),
        bytes.subarray(second),
      ]);
      assert.deepEqual(got.map((p) => [...p]), expected, `cut at ${first} and ${second}`);
    }
  }
  const oneByOne = [...bytes].map((byte) => Uint8Array.of(byte));
  assert.deepEqual(read(oneByOne).map((p) => [...p]), expected, "byte by byte");
});

Deno.test("the Node peer's frame reader refuses a frame over its limit as soon as its length comes", () => {
  const reader = new FrameReader(4096);
  assert.throws(
    () => reader.push(Buffer.from([0, 0, 0x10, 0x01])),
    (error: Error) =>
      error.name === "FrameError" && /4097 bytes is over the limit of 4096/.test(error.message),
  );
});

/** Data with a value of every tagged type, bytes at several depths. */
function everyType(): unknown {
  return {
    file: new Uint8Array([1, 2, 3]),
    at: new Date("2026-12-04T10:00:00.000Z"),
    bad: new Date(NaN),
    failure: new TypeError("outer", { cause: new RangeError("inner") }),
    index: new Map<unknown, unknown>([["k", new Uint8Array([7])], [2, new Set([undefined, 5n])]]),
    numbers: [NaN, -Infinity, Infinity, -0],
    pattern: /x/g,
    list: [undefined, { more: new Uint8Array(0) }],
  };
}

Deno.test("what the Node peer encodes, Switchboard decodes, and the other way", () => {
  const data = everyType();
  // As a socket hands it over: a plain Uint8Array (a Buffer's slice() is a view).
  const fromNode = decodeMessage(
    new Uint8Array(nodeEncode({ action: "values", data, messageId: "m1" }, LIMIT)),
    'service "node"',
  );
  assert.equal(fromNode.action, "values");
  assert.equal(fromNode.messageId, "m1");
  assert.deepEqual(fromNode.data, data);

  const payload = toBytes(encodeMessage({ action: "values", data }, LIMIT, "node")).slice();
  const fromDeno = nodeDecode(payload);
  assert.deepEqual(fromDeno.data, data);
  assert.equal((fromDeno as { tags?: unknown }).tags, undefined, "tags are read, not handed on");
  // Plain data travels as plain JSON, as Switchboard's own codec sends it.
  const plain = nodeEncode({ action: "plain", data: { n: 1 } }, LIMIT);
  assert.equal(new TextDecoder().decode(plain), '{"action":"plain","data":{"n":1}}');
});

Deno.test("the Node peer refuses what cannot travel, and frames whose tags do not fit", () => {
  const refuses = (data: unknown, pattern: RegExp) =>
    assert.throws(
      () => nodeEncode({ action: "x", data }, LIMIT),
      (error: Error) => error.name === "FrameError" && pattern.test(error.message),
    );
  refuses({ run() {} }, /data\["run"\]: it is a function/);
  refuses({ n: new Int16Array(1) }, /it is a Int16Array \(send its bytes as a Uint8Array\)/);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  refuses(cycle, /data\["self"\]: it is circular/);
  refuses({ big: new Uint8Array(LIMIT) }, /over the 1048576-byte limit/);
  refuses({ when: new (class Moment {})() }, /data\["when"\]: it is a Moment/);

  const bad = (json: unknown, attachments = new Uint8Array(0), pattern: RegExp) => {
    const text = new TextEncoder().encode(JSON.stringify(json));
    const head = new Uint8Array(5);
    new DataView(head.buffer).setUint32(1, text.length);
    assert.throws(
      () => nodeDecode(Buffer.concat([head, text, attachments])),
      (error: Error) => error.name === "FrameError" && pattern.test(error.message),
    );
  };
  bad({ action: "x", data: 3, tags: [["bytes"]] }, new Uint8Array(2), /take 3 bytes, and 2/);
  bad({ action: "x", data: {}, tags: [["date", "at"]] }, undefined, /points at nothing/);
  bad({ action: "x", data: 1, tags: [["date"]] }, undefined, /does not fit its value/);
  bad({ action: "x", data: 1, tags: [["future"]] }, undefined, /does not fit its value/);
  bad({ action: "x", data: 1, tags: "date" }, undefined, /"tags" is not an array/);
});
