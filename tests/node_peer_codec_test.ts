/**
 * The Node.js reference peer's wire format (`peers/node/frames.mjs`,
 * `peers/node/codec.mjs`), in this process: its frame reader under every
 * split and coalesce of chunk boundaries, and its messages against
 * Switchboard's own codec, both ways.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { MANAGER } from "../src/address.ts";
import { decodeMessage, encodeMessage, toBytes } from "../src/codec.ts";
import type { FrameError } from "../src/errors.ts";
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
    index: { k: new Uint8Array([7]), n: [undefined, { at: new Date(5) }] },
    numbers: [1, -0],
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
  const fromDeno = nodeDecode(payload, "the manager");
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
  refuses({ run() {} }, /data\.run is a function/);
  refuses({ n: new Int16Array(1) }, /is an Int16Array \(send its bytes as a Uint8Array\)/);
  refuses({ n: new Uint16Array(1) }, /is a Uint16Array \(send its bytes as a Uint8Array\)/);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  refuses(cycle, /data\.self is circular/);
  refuses({ big: new Uint8Array(LIMIT) }, /over the 1048576-byte limit/);
  refuses({ when: new (class Moment {})() }, /data\.when is a Moment/);
  refuses(
    { n: [1, 2n] },
    /^Cannot send "x" to every worker: data\.n\[1\] is a BigInt \(send its digits as a string\)/,
  );
  refuses({ n: NaN }, /data\.n is NaN \(send null, or a string\), which would not arrive as sent/);
  refuses({ n: -Infinity }, /data\.n is -Infinity/);
  refuses({ m: new Map() }, /data\.m is a Map \(send Object\.fromEntries\(map\)/);
  refuses({ s: new Set() }, /data\.s is a Set \(send \[\.\.\.set\]\)/);
  // An error that would arrive with another name or class, as Switchboard refuses it.
  refuses(
    { e: Object.assign(new TypeError("x"), { name: "X" }) },
    /data\.e is a TypeError named "X"/,
  );
  refuses(
    { e: Object.assign(new Error("x"), { name: 42 }) },
    /data\.e is an Error whose name is not/,
  );

  const bad = (json: unknown, attachments = new Uint8Array(0), pattern: RegExp) => {
    const text = new TextEncoder().encode(JSON.stringify(json));
    const head = new Uint8Array(5);
    new DataView(head.buffer).setUint32(1, text.length);
    assert.throws(
      () => nodeDecode(Buffer.concat([head, text, attachments]), 'service "node"'),
      (error: Error) => error.name === "FrameError" && pattern.test(error.message),
    );
  };
  bad({ action: "x", data: 3, tags: [["bytes"]] }, new Uint8Array(2), /take 3 bytes, and 2/);
  bad({ action: "x", data: {}, tags: [["date", "at"]] }, undefined, /points at nothing/);
  bad({ action: "x", data: 1, tags: [["date"]] }, undefined, /does not fit its value/);
  bad({ action: "x", data: 1, tags: [["future"]] }, undefined, /does not fit its value/);
  bad({ action: "x", data: 1, tags: "date" }, undefined, /"tags" is not an array/);
});

const FROM = 'service "node"';

/** A JSON payload, from its text (so that keys like `__proto__` stay own keys). */
function json(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A payload in the binary form: the marker, the JSON's length, the JSON, the bytes. */
function binary(message: unknown, bytes: number[] = []): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(message));
  const payload = new Uint8Array(5 + text.length + bytes.length);
  new DataView(payload.buffer).setUint32(1, text.length);
  payload.set(text, 5);
  payload.set(bytes, 5 + text.length);
  return payload;
}

/** The error `fn` throws; fails when it throws none. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new assert.AssertionError({ message: "expected it to throw" });
}

/**
 * Runs `body` as an ES module in Node, where the peer runs (Deno has no
 * `Object.prototype.__proto__`, so assigning that key is harmless here),
 * with the peer's codec imported; returns what it prints, parsed as JSON.
 */
async function inNode(body: string): Promise<unknown> {
  const codec = new URL("../peers/node/codec.mjs", import.meta.url).href;
  const script = `import { decodeMessage, encodeMessage } from ${JSON.stringify(codec)};\n${body}`;
  const { code, stdout, stderr } = await new Deno.Command("node", {
    args: ["--input-type=module", "--eval", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

Deno.test("a SuppressedError travels with both errors it holds through the Node peer, on Node.js with the class and without it", async () => {
  const sent = new SuppressedError(new RangeError("disposal"), new Error("block"), "both");
  const payload = toBytes(encodeMessage({ action: "x", data: sent }, LIMIT, "node")).slice();
  // In this process the class exists, as on Node.js 24.
  const here = nodeDecode(payload, "the manager").data as SuppressedError;
  assert.ok(here instanceof SuppressedError);
  assert.deepEqual([here.error, here.suppressed], [sent.error, sent.suppressed]);
  // On the Node.js here (20, without the class): an Error of that name,
  // holding them as the class does, and sent back as one.
  const there = await inNode(`
    const frame = Buffer.from(${JSON.stringify(new TextDecoder().decode(payload))});
    const error = decodeMessage(frame, "the manager").data;
    console.log(JSON.stringify({
      name: error.name,
      held: [error.error.name, error.error.message, error.suppressed.message],
      keys: Object.keys(error),
      back: encodeMessage({ action: "x", data: error }, 1 << 20).toString(),
    }));
  `) as { name: string; held: string[]; keys: string[]; back: string };
  assert.deepEqual(
    { ...there, back: undefined },
    {
      name: "SuppressedError",
      held: ["RangeError", "disposal", "block"],
      keys: [],
      back: undefined,
    },
  );
  const back = decodeMessage(new TextEncoder().encode(there.back), 'service "node"')
    .data as SuppressedError;
  assert.ok(back instanceof SuppressedError);
  assert.deepEqual([back.message, back.error, back.suppressed], [
    "both",
    sent.error,
    sent.suppressed,
  ]);
});

Deno.test("the Node peer revives a `__proto__` key as an own property, never as a prototype", async () => {
  const frames = [
    '{"action":"x","data":{"name":"Error","message":"m","__proto__":{"isAdmin":true}},' +
    '"tags":[["error"]]}',
    // The key's value revived first (a Date), then set on the error.
    '{"action":"x","data":{"name":"TypeError","message":"m","__proto__":"2026-12-04T10:00:00.000Z"},' +
    '"tags":[["error"],["date","__proto__"]]}',
    // An AggregateError, whose extra keys are set the same way.
    '{"action":"x","data":{"name":"AggregateError","message":"m","errors":[],' +
    '"__proto__":{"isAdmin":true}},"tags":[["error"]]}',
  ];
  const errors = await inNode(`
    const frames = ${JSON.stringify(frames)};
    const classes = [Error, TypeError, AggregateError];
    console.log(JSON.stringify(frames.map((frame, i) => {
      const error = decodeMessage(Buffer.from(frame), 'service "node"').data;
      return {
        isError: error instanceof Error,
        prototype: Object.getPrototypeOf(error) === classes[i].prototype,
        isAdmin: error.isAdmin ?? null,
        own: Object.getOwnPropertyDescriptor(error, "__proto__")?.enumerable ?? null,
      };
    })));
  `);
  const safe = { isError: true, prototype: true, isAdmin: null, own: true };
  assert.deepEqual(errors, [safe, safe, safe]);

  // In a plain object and in an Error's properties each keeps its
  // prototype, and on the way out an own \`__proto__\` key travels as one.
  const others = await inNode(`
    const data = decodeMessage(Buffer.from(${
    JSON.stringify(
      '{"action":"x","data":{"__proto__":{"at":"2026-12-04T10:00:00.000Z"},' +
        '"m":{"name":"E","message":"m","__proto__":{"__proto__":1}}},' +
        '"tags":[["error","m"],["date","__proto__","at"]]}',
    )
  }), "w").data;
    const own = JSON.parse('{"__proto__":{"when":null}}');
    Object.getOwnPropertyDescriptor(own, "__proto__").value.when = new Date(0);
    console.log(JSON.stringify({
      plain: Object.getPrototypeOf(data) === Object.prototype,
      date: Object.getOwnPropertyDescriptor(data, "__proto__").value.at instanceof Date,
      entry: Object.getPrototypeOf(Object.getOwnPropertyDescriptor(data.m, "__proto__").value) ===
        Object.prototype,
      sent: encodeMessage({ action: "x", data: own }, 1024).toString(),
    }));
  `) as { plain: boolean; date: boolean; entry: boolean; sent: string };
  assert.deepEqual({ ...others, sent: undefined }, {
    plain: true,
    date: true,
    entry: true,
    sent: undefined,
  });
  const sent = decodeMessage(json(others.sent), FROM).data as object;
  assert.ok(Object.hasOwn(sent, "__proto__"));
  assert.deepEqual(Object.getOwnPropertyDescriptor(sent, "__proto__")!.value, {
    when: new Date(0),
  });
});

/** Frames that README "Protocol" says are bad, each with the sender named. */
const BAD_FRAMES: [string, Uint8Array][] = [
  ["not UTF-8", Uint8Array.of(0x7b, 0xff, 0x7d)],
  ["not JSON", json("{")],
  ["not an object", json("[1]")],
  ["an empty action", json('{"action":""}')],
  ["a messageId that is a number", json('{"action":"x","messageId":5}')],
  ["a part that is no answer", json('{"action":"x","messageId":"1","part":true}')],
  ["re false", json('{"action":"x","re":false}')],
  ["a timeout that is a string", json('{"action":"x","timeout":"5"}')],
  ["a negative timeout", json('{"action":"x","timeout":-1}')],
  ["a timeout of null", json('{"action":"x","timeout":null}')],
  ["a stream of 0", json('{"action":"x","stream":0}')],
  ["a stream that is a fraction", json('{"action":"x","stream":1.5}')],
  ["a stream that is a string", json('{"action":"x","stream":"2"}')],
  ["part false", json('{"action":"x","part":false}')],
  ["an error without a message", json('{"action":"x","error":{"name":"E"}}')],
  [
    "an error on a request (no re)",
    json('{"action":"x","messageId":"1","error":{"name":"E","message":"m"}}'),
  ],
  [
    "an error whose stack is a number",
    json('{"action":"x","error":{"name":"E","message":"m","stack":5}}'),
  ],
  ["a binary frame shorter than its head", Uint8Array.of(0, 0, 0)],
  ["a binary frame whose JSON's length is past its end", Uint8Array.of(0, 0, 0, 0, 9, 0x7b)],
  ["bytes after the JSON and no tags", binary({ action: "x", data: 1 }, [1, 2])],
  ["tags that are not an array", json('{"action":"x","data":1,"tags":"date"}')],
  ["a tag that is not [type, ...path]", json('{"action":"x","data":1,"tags":[["date",-1]]}')],
  ["a bytes tag without a length", binary({ action: "x", data: "3", tags: [["bytes"]] }, [1])],
  [
    "bytes tags that take more than follow",
    binary({ action: "x", data: 3, tags: [["bytes"]] }, [1]),
  ],
  ["a tag that points at nothing", json('{"action":"x","data":{},"tags":[["date","at"]]}')],
  ["a path into a prototype", json('{"action":"x","data":{},"tags":[["date","constructor"]]}')],
  ["a tag of an unknown type", json('{"action":"x","data":1,"tags":[["future"]]}')],
  ["a regexp stand-in of one string", json('{"action":"x","data":["a"],"tags":[["regexp"]]}')],
  [
    "a regexp stand-in of an object",
    json('{"action":"x","data":[{"x":1},"g"],"tags":[["regexp"]]}'),
  ],
  ["a regexp stand-in that is a string", json('{"action":"x","data":"a","tags":[["regexp"]]}')],
  ["a regexp that does not compile", json('{"action":"x","data":["(",""],"tags":[["regexp"]]}')],
  ["a number stand-in in an array", json('{"action":"x","data":["-0"],"tags":[["number"]]}')],
  ["a number stand-in that is not one", json('{"action":"x","data":"nan","tags":[["number"]]}')],
  // Types that are refused at a sender, as a peer of an older version tagged them.
  ["a NaN", json('{"action":"x","data":"NaN","tags":[["number"]]}')],
  ["a bigint", json('{"action":"x","data":"12","tags":[["bigint"]]}')],
  ["a map", json('{"action":"x","data":[["k",1]],"tags":[["map"]]}')],
  ["a set", json('{"action":"x","data":[1],"tags":[["set"]]}')],
  ["an undefined that is not null", json('{"action":"x","data":0,"tags":[["undefined"]]}')],
  ["a date that is a number", json('{"action":"x","data":0,"tags":[["date"]]}')],
  [
    "a date that is not an ISO string",
    json('{"action":"x","data":"2026-12-04","tags":[["date"]]}'),
  ],
  ["a date string that is no date", json('{"action":"x","data":"garbage","tags":[["date"]]}')],
  [
    "an ISO date that does not exist",
    json('{"action":"x","data":"2026-13-45T00:00:00.000Z","tags":[["date"]]}'),
  ],
  // Before, these two arrived as 2026-03-02 and 2026-12-05, silently.
  [
    "a day its month does not have",
    json('{"action":"x","data":"2026-02-30T10:00:00.000Z","tags":[["date"]]}'),
  ],
  ["hour 24", json('{"action":"x","data":"2026-12-04T24:00:00.000Z","tags":[["date"]]}')],
  [
    "a six-digit year that toISOString() writes in four",
    json('{"action":"x","data":"+002026-12-04T10:00:00.000Z","tags":[["date"]]}'),
  ],
  [
    "an error stand-in whose stack is a number",
    json('{"action":"x","data":{"name":"Error","message":"m","stack":5},"tags":[["error"]]}'),
  ],
  ["an error stand-in that is an array", json('{"action":"x","data":[],"tags":[["error"]]}')],
  [
    "a tag through an Error revived already",
    json(
      '{"action":"x","data":{"e":{"name":"E","message":"m","at":0}},"tags":[["date","e","at"],["error","e"]]}',
    ),
  ],
];

Deno.test("the Node peer refuses every frame Switchboard refuses, with the same message", () => {
  for (const [what, payload] of BAD_FRAMES) {
    const deno = thrown(() => decodeMessage(payload.slice(), { name: FROM, address: "node" }));
    const node = thrown(() => nodeDecode(payload.slice(), FROM, "node"));
    assert.equal(deno.name, "FrameError", `Switchboard refuses ${what}`);
    assert.equal(node.name, "FrameError", `the Node peer refuses ${what}`);
    assert.equal(node.message, deno.message, what);
    assert.equal((node as FrameError).peer, "node", `the Node peer names the sender of ${what}`);
    assert.equal((node as FrameError).peer, (deno as FrameError).peer, what);
    assert.match(node.message, /^Bad frame from service "node": /);
  }
  // The frames just within the rules are taken by both, and come out the same.
  const good: [string, Uint8Array][] = [
    ["a timeout of 0 and a stream of 1", json('{"action":"x","timeout":0,"stream":1}')],
    ["a part of an answer", json('{"action":"x","re":true,"part":true}')],
    [
      "an error with a stack",
      json('{"action":"x","re":true,"error":{"name":"E","message":"m","stack":"s"}}'),
    ],
    ["empty tags", json('{"action":"x","data":1,"tags":[]}')],
    ["tags in a JSON frame", json('{"action":"x","data":["a","g"],"tags":[["regexp"]]}')],
    ["a -0", json('{"action":"x","data":"-0","tags":[["number"]]}')],
    [
      "the last day of February",
      json('{"action":"x","data":"2028-02-29T23:59:59.999Z","tags":[["date"]]}'),
    ],
    [
      "a six-digit year",
      json('{"action":"x","data":"+275760-09-13T00:00:00.000Z","tags":[["date"]]}'),
    ],
    [
      "an error with an undefined cause and no stack",
      json(
        '{"action":"x","data":{"name":"Oops","message":"m","cause":null},' +
          '"tags":[["error"],["undefined","cause"]]}',
      ),
    ],
  ];
  for (const [what, payload] of good) {
    const deno = decodeMessage(payload.slice(), FROM);
    delete deno.tags;
    const node = nodeDecode(payload.slice(), FROM);
    assert.deepEqual(node, deno, what);
  }
  const error = nodeDecode(good.at(-1)![1], FROM).data as Error;
  assert.equal(error.name, "Oops");
  assert.ok(Object.hasOwn(error, "cause") && error.cause === undefined, "the cause, as sent");
  assert.equal(error.stack, undefined, "no stack of the reader's");
});

/** A payload in the binary form around JSON bytes as they are, with no bytes after it. */
function binaryOf(text: Uint8Array): Uint8Array {
  const payload = new Uint8Array(5 + text.length);
  new DataView(payload.buffer).setUint32(1, text.length);
  payload.set(text, 5);
  return payload;
}

Deno.test("a byte order mark and a number out of a double's range are bad frames, in Switchboard and the Node peer alike", () => {
  const nines = "9".repeat(400);
  const bad: [string, Uint8Array, RegExp][] = [
    ["a byte order mark", json('\uFEFF{"action":"x","data":1}'), /byte order mark/],
    [
      "a byte order mark in a binary frame",
      binaryOf(json('\uFEFF{"action":"x","data":0,"tags":[["bytes"]]}')),
      /byte order mark/,
    ],
    ["1e400", json('{"action":"x","data":1e400}'), /out of a double's range.*\(action "x"\)$/],
    ["-1E+400 deep in the data", json('{"action":"x","data":{"a":[[-1E+400]]}}'), /range/],
    ["400 digits", json(`{"action":"x","data":${nines}}`), /range/],
    [
      "300 digits and an exponent of 10",
      json(`{"action":"x","data":${nines.slice(100)}e10}`),
      /range/,
    ],
    ["a timeout of 1e999", json('{"action":"x","messageId":"m","timeout":1e999}'), /range/],
  ];
  for (const [what, payload, reason] of bad) {
    const deno = thrown(() => decodeMessage(payload.slice(), { name: FROM, address: "node" }));
    const node = thrown(() => nodeDecode(payload.slice(), FROM, "node"));
    assert.equal(deno.name, "FrameError", `Switchboard refuses ${what}`);
    assert.equal(node.message, deno.message, what);
    assert.match(deno.message, reason, what);
  }
  // Near the edge, or text that only looks so: taken by both alike.
  const good: [string, Uint8Array, unknown][] = [
    [
      "1.7976931348623157e308",
      json('{"action":"x","data":1.7976931348623157e308}'),
      Number.MAX_VALUE,
    ],
    ["1e-400, which is 0", json('{"action":"x","data":1e-400}'), 0],
    ["309 digits", json(`{"action":"x","data":1${"0".repeat(308)}}`), 1e308],
    [
      "1e400 in a string",
      json('{"action":"x","data":"1e400 and a ' + nines + '"}'),
      `1e400 and a ${nines}`,
    ],
    ["a byte order mark in a string", json('{"action":"x","data":"\uFEFF"}'), "\uFEFF"],
  ];
  for (const [what, payload, data] of good) {
    assert.deepEqual(decodeMessage(payload.slice(), FROM).data, data, what);
    assert.deepEqual(nodeDecode(payload.slice(), FROM).data, data, what);
  }
});

Deno.test("the Node peer and Switchboard refuse tags out of order or twice at one place alike", () => {
  // An inner tag listed after its container's (out of order): the error is
  // revived first, and the date tag would reach into it.
  const outOfOrder = json(
    '{"action":"x","data":{"e":{"name":"Error","message":"m","at":"2026-12-04T10:00:00.000Z"}},' +
      '"tags":[["date","e","at"],["error","e"]]}',
  );
  for (const decode of [nodeDecode, decodeMessage]) {
    assert.throws(
      () => decode(outOfOrder, FROM),
      /^FrameError: Bad frame from service "node": its tag 0 \("date"\) points at nothing \(action "x"\)$/,
    );
  }
  // Two bytes tags at one place: the second would find a Uint8Array where its length was.
  const twice = binary({ action: "x", data: { a: 3 }, tags: [["bytes", "a"], ["bytes", "a"]] }, [
    1,
    2,
    3,
    4,
    5,
    6,
  ]);
  for (const decode of [nodeDecode, decodeMessage]) {
    assert.throws(
      () => decode(twice, FROM),
      /^FrameError: Bad frame from service "node": its tag 0 \("bytes"\) does not fit its value \(action "x"\)$/,
    );
    // A binary frame with nothing after its JSON needs no tags (README).
    assert.deepEqual(decode(binary({ action: "x", data: 1 }), FROM), { action: "x", data: 1 });
  }
});

Deno.test("the Node peer sends a hole or undefined in an array as a tagged undefined, as Switchboard does", () => {
  // deno-lint-ignore no-sparse-arrays
  const data = [, 1, undefined, { list: [undefined, [, 2]] }];
  const node = nodeEncode({ action: "x", data }, LIMIT);
  const deno = toBytes(encodeMessage({ action: "x", data }, LIMIT, 1));
  assert.equal(new TextDecoder().decode(node), new TextDecoder().decode(deno));
  const received = decodeMessage(node, FROM).data as unknown[];
  assert.ok(0 in received, "the hole arrives as undefined in its place");
  assert.deepEqual(received, [
    undefined,
    1,
    undefined,
    { list: [undefined, [undefined, 2]] },
  ]);
});

Deno.test("the Node peer leaves out a property whose toJSON gives undefined, as Switchboard does", () => {
  const gone = { toJSON: () => undefined };
  const data = { gone, kept: [gone], at: new Date(0) };
  const node = nodeEncode({ action: "x", data }, LIMIT);
  const deno = toBytes(encodeMessage({ action: "x", data }, LIMIT, 1));
  assert.equal(new TextDecoder().decode(node), new TextDecoder().decode(deno));
  assert.deepEqual(decodeMessage(node, FROM).data, { kept: [undefined], at: new Date(0) });
});

/** A Uint8Array whose buffer was transferred away. */
function detached(): Uint8Array {
  const bytes = new Uint8Array(8);
  structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
  return bytes;
}

/** An array inside an array, `depth` levels deep. */
function nested(depth: number): unknown[] {
  let value: unknown[] = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

Deno.test("the Node peer names the action, the target and the value when it cannot send, as Switchboard does", () => {
  class Moment {}
  class Registry extends Map {}
  const cycle: Record<string, unknown> = {};
  cycle.self = [cycle];
  const cases: unknown[] = [
    { a: () => 1 },
    { "a b": [1, Symbol("s")] },
    cycle,
    { n: new Int16Array(1) },
    { when: new Moment() },
    { registry: new Registry() },
    { index: new Map([["k", () => 1]]) },
    { index: new Map([[() => 1, 1]]) },
    { seen: new Set([1, () => 1]) },
    { failure: Object.assign(new Error("m"), { retry: () => 1 }) },
    { big: new Uint8Array(LIMIT) },
    { deep: nested(3_000) },
    { gone: detached() },
  ];
  const targets = [undefined, 1, "logger", MANAGER, [0, "logger"], "manager@web-2"];
  for (const data of cases) {
    for (const to of targets) {
      const deno = thrown(() => encodeMessage({ action: "save", data }, LIMIT, to as never));
      const node = thrown(() => nodeEncode({ action: "save", data }, LIMIT, to as never));
      assert.equal(node.name, "FrameError");
      assert.equal(node.message, deno.message);
      // The action and, for one process, the target, as fields too.
      const fields = (error: Error) => {
        const { action, peer } = error as FrameError;
        return { action, peer };
      };
      assert.deepEqual(fields(node), fields(deno), `${String(to)}`);
      assert.equal((node as FrameError).action, "save");
    }
  }
  assert.equal(
    thrown(() => nodeEncode({ action: "save", data: { a: () => 1 } }, LIMIT, 1)).message,
    'Cannot send "save" to worker 1: data.a is a function, which would not arrive as sent',
  );
  assert.equal(
    thrown(() => nodeEncode({ action: "save", data: { a: () => 1 } }, LIMIT)).message,
    'Cannot send "save" to every worker: data.a is a function, which would not arrive as sent',
  );
});

Deno.test("the Node peer sends what it checked: a toJSON is called once, as in Deno", () => {
  // A toJSON whose second answer would be refused (or sent as null, for NaN).
  const once = () => {
    let calls = 0;
    return { x: { toJSON: () => (++calls === 1 ? 1 : 2n) } };
  };
  const deno = toBytes(encodeMessage({ action: "a", data: once() }, LIMIT, 1));
  const node = nodeEncode({ action: "a", data: once() }, LIMIT, 1);
  assert.deepEqual([...node], [...deno]);
});

Deno.test("the Node peer refuses, as Switchboard does, data it cannot read and a sparse array whose tags alone are too large", () => {
  const unreadable = {
    a: {
      get x(): never {
        throw new Error("boom");
      },
    },
  };
  const sparse = { list: new Array(2 ** 32 - 1) };
  for (
    const [data, words] of [
      [unreadable, "data.a.x cannot be read (reading it threw Error: boom)"],
      [sparse, "over the 1048576-byte limit (maxFrameSize) in its tags alone"],
    ] as const
  ) {
    for (const encode of [encodeMessage, nodeEncode]) {
      assert.throws(
        () => encode({ action: "x", data }, LIMIT, 0),
        (error: FrameError) =>
          error.name === "FrameError" && error.action === "x" && error.message.includes(words),
      );
    }
  }
});

Deno.test("a subclass of Array is refused, as a subclass of Date is, by Switchboard and the Node peer alike", () => {
  class Path extends Array<string> {}
  const path = Path.from(["a", "b"]);
  for (const encode of [encodeMessage, nodeEncode]) {
    assert.throws(
      () => encode({ action: "x", data: { path } }, LIMIT, 0),
      (error: FrameError) =>
        error.name === "FrameError" &&
        error.message.includes("data.path is a Path (a subclass of Array would arrive as an Array"),
    );
    // A plain array, a frozen one and one with a toJSON still go.
    const frozen = Object.freeze(["a"]);
    const formed = Object.assign(Path.from(["c"]), { toJSON: () => ["c"] });
    encode({ action: "x", data: { list: ["a"], frozen, formed } }, LIMIT, 0);
  }
});
