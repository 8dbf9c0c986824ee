import assert from "node:assert/strict";
import { copyFrame, frameLength, ReceivedBinaryFrame } from "../src/binary_frame.ts";
import { FrameError } from "../src/errors.ts";
import { decodeMessage, encodeMessage, toBytes } from "../src/codec.ts";
import { encodeMessage as nodeEncode } from "../peers/node/codec.mjs";

const LIMIT = 1024 * 1024;
const utf8 = new TextEncoder();

function roundTrip(data: unknown): unknown {
  return decodeMessage(
    toBytes(encodeMessage({ action: "test", data }, LIMIT, 1)).slice(),
    "worker 1",
  )
    .data;
}

function assertFrameError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof FrameError, `expected a FrameError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("encodeMessage and decodeMessage round-trip JSON data", () => {
  const data = { time: 1, text: "héllo 日本 \uFFFD", list: [1, null, true], nested: { a: "b" } };
  assert.deepEqual(roundTrip(data), data);
  assert.equal(roundTrip(undefined), undefined);
  assert.equal(roundTrip("x".repeat(2 * 1024 * 1024 / 3)), "x".repeat(2 * 1024 * 1024 / 3));
});

Deno.test("encodeMessage refuses data that would arrive changed, naming action, target and place", () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assertFrameError(
    () => encodeMessage({ action: "test", data: { n: new Int8Array(1) } }, LIMIT, 1),
    /^Cannot send "test" to worker 1: data\.n is an Int8Array \(send its bytes as a Uint8Array\), which would not arrive as sent$/,
  );
  assertFrameError(
    () => encodeMessage({ action: "test", data: cycle }, LIMIT, [0, 2]),
    /^Cannot send "test" to worker 0, worker 2: data\.self is circular/,
  );
  assertFrameError(
    () => encodeMessage({ action: "test", data: { run() {} } }, LIMIT, "logger"),
    /^Cannot send "test" to service "logger": data\.run is a function/,
  );
  assertFrameError(
    () => encodeMessage({ action: "test", data: [1, Symbol("s")] }, LIMIT, undefined),
    /^Cannot send "test" to every worker: data\[1\] is a symbol/,
  );
  assertFrameError(
    () => encodeMessage({ action: "test", data: { m: new (class Point {})() } }, LIMIT, 0),
    /data\.m is a Point/,
  );
});

Deno.test("encodeMessage refuses an Error whose cause getter throws with a FrameError, in Deno and the Node peer", () => {
  const error = new Error("outer");
  Object.defineProperty(error, "cause", {
    get() {
      throw new Error("cause getter");
    },
  });
  const cannot =
    /^Cannot send "test" to worker 1: data\.failure is an Error whose properties cannot be read/;
  assertFrameError(
    () => encodeMessage({ action: "test", data: { failure: error } }, LIMIT, 1),
    cannot,
  );
  assert.throws(
    () => nodeEncode({ action: "test", data: { failure: error } }, LIMIT, 1),
    (thrown: Error) => thrown.name === "FrameError" && cannot.test(thrown.message),
  );
});

Deno.test("encodeMessage refuses a message over the frame limit", () => {
  assertFrameError(
    () => encodeMessage({ action: "big", data: "x".repeat(2000) }, 1000, 3),
    /^Cannot send "big" to worker 3: the message is 2\d{3} bytes, over the 1000-byte limit/,
  );
});

Deno.test("encodeMessage sends a Date as a Date, and other objects with toJSON as JSON does", () => {
  const date = new Date(0);
  assert.deepStrictEqual(roundTrip({ date }), { date });
  const url = new URL("https://example.com/");
  assert.deepStrictEqual(roundTrip({ url }), { url: url.toJSON() });
});

Deno.test("decodeMessage rejects frames that are not messages, naming the sender", () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8/],
    [utf8.encode("{nope"), /not valid JSON/],
    [utf8.encode(""), /not valid JSON/],
    [utf8.encode("[1,2]"), /not a JSON object/],
    [utf8.encode("null"), /not a JSON object/],
    [utf8.encode('"text"'), /not a JSON object/],
    [utf8.encode("{}"), /"action" is not a non-empty string/],
    [utf8.encode('{"action":5}'), /"action" is not a non-empty string/],
    [utf8.encode('{"action":""}'), /"action" is not a non-empty string/],
    [utf8.encode('{"action":"a","messageId":1}'), /"messageId" is not a string/],
    [utf8.encode('{"action":"a","re":1}'), /"re" is not true/],
    [utf8.encode('{"action":"a","error":"x"}'), /"error" is not an object/],
    [
      utf8.encode('{"action":"a","messageId":"1","error":{"name":"n","message":"m"}}'),
      /"error" is for answers, and it has no "re": true/,
    ],
    [
      utf8.encode('{"action":"a","messageId":"1","part":true,"data":1}'),
      /"part" is for answers, and it has no "re": true/,
    ],
    [utf8.encode('{"action":"a","error":{"name":1,"message":"m"}}'), /"error" is not an object/],
    [
      utf8.encode('{"action":"a","error":{"name":"n","message":"m","schema":1}}'),
      /"error" is not an object/,
    ],
    [
      utf8.encode('{"action":"a","error":{"name":"n","message":"m","issues":[{"path":[]}]}}'),
      /"error" is not an object/,
    ],
  ];
  for (const [frame, pattern] of cases) {
    assertFrameError(
      () => decodeMessage(frame, "worker 2"),
      new RegExp(`^Bad frame from worker 2: `),
    );
    assertFrameError(() => decodeMessage(frame, "worker 2"), pattern);
  }
});

Deno.test("decodeMessage keeps a U+FFFD that was sent as text", () => {
  const frame = utf8.encode('{"action":"a","data":"\uFFFD"}');
  assert.equal(decodeMessage(frame, "worker 0").data, "\uFFFD");
});

Deno.test("encodeMessage returns text while its UTF-8 surely fits, else measured bytes", () => {
  assert.equal(typeof encodeMessage({ action: "a", data: "x".repeat(100) }, 1000, 0), "string");
  // 400 units could be up to 1,200 bytes: measured, they are 400-some.
  const measured = encodeMessage({ action: "a", data: "x".repeat(400) }, 1000, 0);
  assert.ok(measured instanceof Uint8Array && measured.length < 1000);
  assertFrameError(
    () => encodeMessage({ action: "a", data: "é".repeat(600) }, 1000, 0),
    /the message is 12\d\d bytes, over the 1000-byte limit/,
  );
});

Deno.test("decodeMessage hands on bytes received in memory of their own, and copies them out of a frame", () => {
  const encoded = encodeMessage(
    { action: "file", data: { file: new Uint8Array(200_000).fill(7) } },
    LIMIT,
    1,
  );
  const frame = toBytes(encoded).slice();
  const head = frame.subarray(0, frame.length - 200_000);
  const attachments = frame.slice(head.length);
  const received = new ReceivedBinaryFrame(head, attachments);
  assert.equal(frameLength(received), frame.length);
  assert.deepEqual(copyFrame(received), frame, "copied whole");
  const { file } = decodeMessage(received, "worker 1").data as { file: Uint8Array };
  assert.equal(file, attachments, "one array takes all the bytes: handed on as it is");
  const copied = (decodeMessage(frame, "worker 1").data as { file: Uint8Array }).file;
  assert.deepEqual(copied, attachments);
  assert.notEqual(copied.buffer, frame.buffer, "out of a frame, a copy of its own");

  // Two arrays share the bytes: each is a copy of its own.
  const two = toBytes(
    encodeMessage({ action: "two", data: [new Uint8Array([1, 2]), new Uint8Array([3])] }, LIMIT, 1),
  ).slice();
  const parts = new ReceivedBinaryFrame(two.subarray(0, two.length - 3), two.slice(-3));
  const [a, b] = decodeMessage(parts, "worker 1").data as Uint8Array[];
  assert.deepEqual([a, b], [new Uint8Array([1, 2]), new Uint8Array([3])]);
  assert.ok(a.buffer !== parts.attachments.buffer && a.buffer.byteLength === 2);
  // A head that holds more than its JSON is a bad frame.
  assertFrameError(
    () =>
      decodeMessage(
        new ReceivedBinaryFrame(two.subarray(0, two.length - 2), two.slice(-2)),
        "worker 1",
      ),
    /worker 1.*JSON's length is past its end/,
  );
});
