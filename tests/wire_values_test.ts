import assert from "node:assert/strict";
import { decodeMessage, encodeMessage, toBytes } from "../src/codec.ts";
import { FrameError } from "../src/errors.ts";
import { isPlainJson } from "../src/plain_json.ts";
import { toWireData } from "../src/wire_values.ts";

const LIMIT = 16 * 1024 * 1024;
const utf8 = new TextEncoder();

function roundTrip(data: unknown): unknown {
  const payload = toBytes(encodeMessage({ action: "test", data }, LIMIT, 1)).slice();
  return decodeMessage(payload, "worker 1").data;
}

Deno.test("plain JSON data is neither tagged nor copied", () => {
  const data = { list: [1, "a", null, { b: [] }], nested: { c: true }, missing: undefined };
  const wire = toWireData(data);
  assert.ok(typeof wire !== "string");
  assert.equal(wire.value, data);
  assert.deepEqual(wire.tags, []);
  assert.deepEqual(roundTrip(data), { list: [1, "a", null, { b: [] }], nested: { c: true } });
});

Deno.test("the built-ins JSON would change arrive equal to what was sent", () => {
  const cases: unknown[] = [
    new Uint8Array([1, 2, 3]),
    new Uint8Array(0),
    new Date(1_700_000_000_123),
    new Date(8.64e15),
    new Date(-8.64e15),
    new Date(-1),
    /a+b/gi,
    -0,
    [1, undefined, 3],
    { zero: new Uint8Array(0), negativeZero: -0, last: [undefined] },
    { nested: { bytes: new Uint8Array([9]), when: new Date(0), list: [-0, /x/] } },
  ];
  for (const data of cases) assert.deepStrictEqual(roundTrip(data), data, String(data));
  const invalid = roundTrip(new Date(NaN));
  assert.ok(invalid instanceof Date && Number.isNaN(invalid.getTime()));
});

Deno.test("Uint8Arrays anywhere in data travel as bytes beside the JSON, not inside it", () => {
  const big = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
  const data = { files: [{ name: "a", body: big }, { name: "b", body: big.subarray(10, 20) }] };
  const payload = toBytes(encodeMessage({ action: "test", data }, LIMIT, 1));
  assert.equal(payload[0], 0, "a binary frame starts with 0");
  assert.ok(payload.length < big.length + 200, `${payload.length} bytes: no base64, no arrays`);
  const back = decodeMessage(payload.slice(), "worker 1").data as typeof data;
  assert.deepStrictEqual(back, data);
  assert.notEqual(back.files[0].body.buffer, payload.buffer, "copied out of the frame");
  const buffer = (globalThis as { Buffer?: { from(a: number[]): Uint8Array } }).Buffer;
  if (buffer) assert.deepStrictEqual(roundTrip(buffer.from([1, 2])), new Uint8Array([1, 2]));
});

Deno.test("an Error keeps its class by name, message, stack, cause and own properties", () => {
  const cause = new RangeError("inner");
  const error = Object.assign(new TypeError("outer", { cause }), { code: "E_OUTER" });
  const back = roundTrip({ error }) as { error: TypeError & { code: string } };
  assert.ok(back.error instanceof TypeError);
  assert.equal(back.error.message, "outer");
  assert.equal(back.error.stack, error.stack);
  assert.equal(back.error.code, "E_OUTER");
  assert.ok(back.error.cause instanceof RangeError);
  assert.equal((back.error.cause as Error).stack, cause.stack);
  class NotFound extends Error {
    override name = "NotFound";
  }
  const custom = roundTrip(new NotFound("gone")) as Error;
  assert.ok(custom instanceof Error);
  assert.equal(custom.name, "NotFound");
  assert.equal(custom.message, "gone");
  // Arrives as the class its name says, which is its class: carried.
  assert.equal(
    (roundTrip(withOwn(new Error("x"), "name", "AggregateError")) as Error).name,
    "AggregateError",
  );
  assert.equal((roundTrip(new DOMException("m", "AbortError")) as Error).name, "AbortError");
  // Another class arrives as the class its name says, as README says.
  assert.ok(roundTrip(new DOMException("m", "SyntaxError")) instanceof SyntaxError);
  const aggregate = roundTrip(new AggregateError([new Error("a"), 2], "both")) as AggregateError;
  assert.ok(aggregate instanceof AggregateError);
  assert.equal(aggregate.errors[0].message, "a");
  assert.equal(aggregate.errors[1], 2);
  // What `using` throws when a disposal fails too: both errors it holds.
  const held = new SuppressedError(new RangeError("disposal"), new Error("block"), "both");
  const suppressed = roundTrip(withOwn(held, "cause", "closing")) as SuppressedError;
  assert.ok(suppressed instanceof SuppressedError);
  assert.deepEqual(
    [suppressed.message, suppressed.error, suppressed.suppressed, suppressed.cause],
    ["both", new RangeError("disposal"), new Error("block"), "closing"],
  );
  assert.deepEqual(Object.keys(suppressed), [], "its errors and cause are not enumerable");
  const empty = roundTrip(new SuppressedError(undefined, null)) as SuppressedError;
  assert.ok(empty instanceof SuppressedError);
  assert.deepEqual([empty.error, empty.suppressed], [undefined, null]);
});

Deno.test("what would arrive changed is refused, saying where", () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  class Point {
    x = 1;
  }
  const cases: [unknown, string][] = [
    [() => {}, "data is a function"],
    [{ run() {} }, "data.run is a function"],
    [[1, [2, Symbol("s")]], "data[1][1] is a symbol"],
    [{ "odd key": cycle }, 'data["odd key"].self is circular (it contains itself)'],
    [{ p: new Point() }, "data.p is a Point (a class instance would arrive as a plain object"],
    [{ f: new Float64Array(2) }, "data.f is a Float64Array (send its bytes as a Uint8Array)"],
    [{ b: new ArrayBuffer(2) }, "data.b is an ArrayBuffer (send its bytes as a Uint8Array)"],
    [{ v: new Uint16Array(1) }, "data.v is a Uint16Array (send its bytes as a Uint8Array)"],
    [{ u: new (class User {})() }, "data.u is a User (a class instance would arrive"],
    [{ u: new (class Unknown {})() }, "data.u is an Unknown (a class instance would arrive"],
    // A streamed answer's handler written as function* instead of async function*.
    [
      (function* () {})(),
      "data is a Generator (send [...items]; a streamed answer comes from an async function*",
    ],
    // What JSON writes as null or {}, each named with what to send instead.
    [{ n: 5n }, "data.n is a BigInt (send its digits as a string), which would not arrive as sent"],
    [[1, NaN], "data[1] is NaN (send null, or a string), which would not arrive as sent"],
    [{ x: Infinity }, "data.x is Infinity (send null, or a string), which"],
    [{ x: -Infinity }, "data.x is -Infinity (send null"],
    [{ m: new Map([["k", 1]]) }, "data.m is a Map (send Object.fromEntries(map), or [...map]"],
    [{ s: new Set([1]) }, "data.s is a Set (send [...set]), which would not arrive as sent"],
    [{ m: new (class Registry extends Map {})() }, "data.m is a Registry (send Object.fromEntries"],
    [{ e: new Error("x", { cause: () => {} }) }, "data.e.cause is a function"],
    [{ e: new Error("x", { cause: 1n }) }, "data.e.cause is a BigInt"],
    [{ when: new (class Moment extends Date {})(0) }, "data.when is a Moment (a subclass would"],
    [{ e: unreadableError() }, "data.e is an Error whose properties cannot be read"],
    [{ gone: transferred() }, "data.gone is a Uint8Array whose buffer was transferred away"],
    // An error that would arrive with another name, message, stack or class.
    [
      { e: withOwn(new Error("x"), "name", 42) },
      'data.e is an Error whose name is not a string (it would arrive as "42")',
    ],
    [
      { e: withOwn(new Error("x"), "message", { a: 1 }) },
      "data.e is an Error whose message is not a string",
    ],
    [{ e: withOwn(new Error("x"), "stack", 5) }, "data.e is an Error whose stack is not a string"],
    [
      { e: withOwn(new TypeError("x"), "name", "X") },
      'data.e is a TypeError named "X" (it would arrive as an Error',
    ],
    [
      { e: withOwn(new Error("x"), "name", "RangeError") },
      'data.e is an Error named "RangeError" (it would arrive as a RangeError',
    ],
    [
      { e: withOwn(new Error("x"), "name", "SuppressedError") },
      'data.e is an Error named "SuppressedError" (it would arrive as a SuppressedError',
    ],
    [
      { e: withOwn(new AggregateError([], "x"), "errors", "s") },
      "data.e is an AggregateError whose errors is not an array",
    ],
  ];
  for (const [data, expected] of cases) {
    const problem = toWireData(data);
    assert.equal(typeof problem, "string", expected);
    assert.ok((problem as string).startsWith(expected), `${problem}`);
  }
});

/** `object`, with an own property `key` of `value`. */
function withOwn<T extends object>(object: T, key: string, value: unknown): T {
  Object.defineProperty(object, key, {
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  });
  return object;
}

function transferred(): Uint8Array {
  const bytes = new Uint8Array(8);
  structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
  return bytes;
}

function unreadableError(): Error {
  const error = new Error("x");
  Object.defineProperty(error, "message", {
    get() {
      throw new Error("no");
    },
  });
  return error;
}

Deno.test("toJSON's form is sent, and checked like any data", () => {
  const plain = { toJSON: () => ({ chosen: new Date(1) }) };
  assert.deepStrictEqual(roundTrip({ plain }), { plain: { chosen: new Date(1) } });
  const url = new URL("https://example.com/a");
  assert.deepEqual(roundTrip({ url }), { url: url.href });
  const custom = { toJSON: undefined, v: 1 };
  assert.deepEqual(roundTrip(custom), { v: 1 });
  class Money {
    toJSON() {
      return { cents: 5, at: new Date(3) };
    }
  }
  assert.deepStrictEqual(roundTrip({ price: new Money() }), {
    price: { cents: 5, at: new Date(3) },
  });
  // A Map or Set whose class chose its JSON form goes as that form.
  class Index extends Map<string, number> {
    toJSON() {
      return Object.fromEntries(this);
    }
  }
  assert.deepStrictEqual(roundTrip({ index: new Index([["a", 1]]) }), { index: { a: 1 } });
  // An array's toJSON too: its form, not its items, is what goes (and is checked).
  const list = Object.assign([1, 2], { toJSON: () => ({ a: /b/ }) });
  assert.deepStrictEqual(roundTrip({ list }), { list: { a: /b/ } });
  const refused = Object.assign([1], { toJSON: () => new Set([1]) });
  assert.match(toWireData({ refused }) as string, /^data\.refused is a Set/);
  class Path extends Array<unknown> {
    toJSON() {
      return this.join("/");
    }
  }
  const path = Path.from(["a", new Date(0)]) as Path;
  assert.deepStrictEqual(roundTrip({ path }), { path: path.toJSON() });
  // A toJSON that gives the value itself: its items or properties, as JSON.stringify takes them.
  const itself = Object.assign([1, new Date(2)], { toJSON: undefined as unknown });
  itself.toJSON = () => itself;
  assert.deepStrictEqual(roundTrip({ itself }), { itself: [1, new Date(2)] });
  class Self {
    a = -0;
    toJSON() {
      return this;
    }
  }
  assert.deepStrictEqual(roundTrip({ self: new Self() }), { self: { a: -0 } });
});

Deno.test("a toJSON that gives undefined leaves its property out, as JSON does; in an array it is undefined", () => {
  const gone = { toJSON: () => undefined };
  const data = { gone, kept: 1, list: [gone], error: Object.assign(new Error("e"), { gone }) };
  const received = roundTrip(data) as Record<string, unknown> & { list: unknown[]; error: Error };
  assert.ok(!("gone" in received), "left out of an object");
  assert.equal(received.kept, 1);
  assert.ok(0 in received.list && received.list[0] === undefined, "undefined in an array");
  assert.ok(!("gone" in received.error), "left out of an Error's properties");
  assert.deepEqual(JSON.parse(JSON.stringify({ gone, kept: 1 })), { kept: 1 });
});

Deno.test("a binary message whose JSON's UTF-8 takes it over maxFrameSize is refused, measured", () => {
  // Under the limit at a byte per character of its JSON, over it as UTF-8 is.
  const data = { b: new Uint8Array(800), t: "é".repeat(100) };
  assert.throws(
    () => encodeMessage({ action: "file", data }, 1000, 0),
    (error: unknown) =>
      error instanceof FrameError &&
      /the message is 10\d\d bytes, over the 1000-byte limit/.test(error.message),
  );
  const fits = toBytes(encodeMessage({ action: "file", data }, 1100, 0)).slice();
  assert.deepStrictEqual(decodeMessage(fits, "worker 0").data, data);
});

Deno.test("a binary message over maxFrameSize is refused at the sender", () => {
  assert.throws(
    () => encodeMessage({ action: "file", data: new Uint8Array(2000) }, 1000, "logger"),
    (error: unknown) =>
      error instanceof FrameError &&
      /^Cannot send "file" to service "logger": the message is 20\d\d bytes, over the 1000-byte limit/
        .test(error.message),
  );
});

Deno.test("a frame whose tags do not fit its data is a bad frame, never a half-revived value", () => {
  const binary = (json: string, bytes: number[]) => {
    const text = utf8.encode(json);
    const frame = new Uint8Array(5 + text.length + bytes.length);
    new DataView(frame.buffer).setUint32(1, text.length);
    frame.set(text, 5);
    frame.set(bytes, 5 + text.length);
    return frame;
  };
  const cases: [Uint8Array, RegExp][] = [
    [utf8.encode('{"action":"a","data":1,"tags":{}}'), /"tags" is not an array/],
    [utf8.encode('{"action":"a","data":1,"tags":[[1]]}'), /tag 0 is not \[type, \.\.\.path\]/],
    [utf8.encode('{"action":"a","data":1,"tags":[["date",-1]]}'), /tag 0 is not/],
    [utf8.encode('{"action":"a","data":{},"tags":[["date","x"]]}'), /tag 0 \("date"\) points at/],
    [utf8.encode('{"action":"a","data":[1],"tags":[["date","0"]]}'), /points at nothing/],
    [utf8.encode('{"action":"a","data":{},"tags":[["date","__proto__"]]}'), /points at nothing/],
    [utf8.encode('{"action":"a","data":5,"tags":[["date"]]}'), /does not fit its value/],
    // The types that are refused at a sender are bad frames too.
    [utf8.encode('{"action":"a","data":"1","tags":[["bigint"]]}'), /does not fit/],
    [utf8.encode('{"action":"a","data":[["k",1]],"tags":[["map"]]}'), /does not fit/],
    [utf8.encode('{"action":"a","data":[1],"tags":[["set"]]}'), /does not fit/],
    [utf8.encode('{"action":"a","data":"NaN","tags":[["number"]]}'), /does not fit/],
    [utf8.encode('{"action":"a","data":"Infinity","tags":[["number"]]}'), /does not fit/],
    [utf8.encode('{"action":"a","data":"1","tags":[["number"]]}'), /does not fit/],
    [utf8.encode('{"action":"a","data":["(","g"],"tags":[["regexp"]]}'), /does not fit/],
    [utf8.encode('{"action":"a","data":{"message":1},"tags":[["error"]]}'), /does not fit/],
    [utf8.encode('{"action":"a","data":1,"tags":[["mystery"]]}'), /does not fit/],
    [utf8.encode('{"action":"a","data":1,"tags":[["bytes"]]}'), /take 1 bytes, and 0 follow/],
    [binary('{"action":"a","data":2,"tags":[["bytes"]]}', [1]), /take 2 bytes, and 1 follow/],
    [binary('{"action":"a","data":"x","tags":[["bytes"]]}', [1]), /has no byte length/],
    [binary('{"action":"a","data":1}', [1]), /bytes after its JSON and no tags/],
    [new Uint8Array([0, 0, 0, 0, 9, 123]), /JSON's length is past its end/],
    [new Uint8Array([0, 0]), /JSON's length is past its end/],
    // Two tags for one place, and an inner tag listed after its container.
    [
      binary('{"action":"a","data":{"a":2},"tags":[["bytes","a"],["bytes","a"]]}', [1, 2, 3, 4]),
      /tag 0 \("bytes"\) does not fit its value/,
    ],
    [
      utf8.encode(
        '{"action":"a","data":{"e":{"name":"E","message":"m","cause":"1970-01-01T00:00:00.000Z"}},"tags":[["date","e","cause"],["error","e"]]}',
      ),
      /points at nothing/,
    ],
    [utf8.encode('{"action":"a","data":"-0","tags":[["number"],["number"]]}'), /does not fit/],
  ];
  for (const [frame, pattern] of cases) {
    assert.throws(
      () => decodeMessage(frame, "worker 4"),
      (error: unknown) =>
        error instanceof FrameError && error.message.startsWith("Bad frame from worker 4: ") &&
        pattern.test(error.message),
      `${new TextDecoder().decode(frame.subarray(0, 200))} should match ${pattern}`,
    );
  }
});

Deno.test("a __proto__ key is data, as JSON.parse makes it, on both sides", () => {
  const data = JSON.parse('{"__proto__":{"when":1},"x":2}');
  data.__proto__.when = new Date(3);
  const back = roundTrip(data) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
  assert.ok(Object.hasOwn(back, "__proto__"));
  assert.deepStrictEqual((back as { ["__proto__"]: unknown }).__proto__, { when: new Date(3) });
});

Deno.test("isPlainJson says yes only where the walk would neither tag, copy nor refuse", () => {
  const plain = [null, 0, 1.5, "x", true, [1, [2]], { a: { b: [null] }, missing: undefined }];
  for (const data of plain) {
    assert.ok(isPlainJson(data), JSON.stringify(data));
    const wire = toWireData(data);
    assert.ok(typeof wire !== "string" && wire.value === data && wire.tags.length === 0);
  }
  // deno-lint-ignore no-sparse-arrays
  const special = [
    NaN,
    -0,
    1n,
    [1, , 3],
    [undefined],
    new Date(0),
    new Uint8Array(1),
    {
      toJSON: () => 1,
    },
    { f() {} },
    new (class Point {})(),
    Symbol("s"),
  ];
  for (const data of special) assert.equal(isPlainJson(data), false, String(data));
});

Deno.test("data nested deeper than 1,000 levels is refused at the sender with a FrameError, not a RangeError", () => {
  const nested = (depth: number) => {
    let value: unknown[] = [];
    for (let i = 1; i < depth; i++) value = [value];
    return value;
  };
  const deepest = { list: nested(999) };
  assert.deepStrictEqual(roundTrip(deepest), deepest, "1,000 levels, data included, travel");
  for (const depth of [1_000, 100_000]) {
    assert.throws(
      () => encodeMessage({ action: "tree", data: { list: nested(depth) } }, LIMIT, 1),
      (error: unknown) =>
        error instanceof FrameError &&
        error.message ===
          'Cannot send "tree" to worker 1: data.list[0][0]… is nested over 1000 levels deep, deeper than is checked',
      `${depth} levels`,
    );
  }
  // A toJSON that returns a new object each time nests without a key: refused the same way.
  class Chain {
    toJSON(): Chain {
      return new Chain();
    }
  }
  assert.throws(
    () => encodeMessage({ action: "tree", data: { chain: new Chain() } }, LIMIT, 1),
    (error: unknown) =>
      error instanceof FrameError && /data\.chain… is nested over 1000/.test(error.message),
  );
});
