import assert from "node:assert/strict";
import { findUnencodable } from "../src/json_check.ts";

Deno.test("findUnencodable accepts what JSON carries faithfully", () => {
  const deep: Record<string, unknown> = {};
  let node = deep;
  for (let i = 0; i < 200; i++) node = (node.next = {}) as Record<string, unknown>;
  const shared = { x: 1 };
  for (
    const data of [
      undefined,
      null,
      0,
      -1.5,
      "text",
      true,
      [1, "a", null, { b: [] }],
      { date: new Date(0), missing: undefined },
      deep,
      { a: shared, b: shared },
      Object.create(null),
      new (class Point {
        x = 1;
        y = 2;
      })(),
    ]
  ) {
    assert.equal(findUnencodable(data), undefined, JSON.stringify(data));
  }
});

Deno.test("findUnencodable names what JSON would drop or mangle, and where", () => {
  const cases: [unknown, string][] = [
    [() => {}, "data is a function"],
    [{ run() {} }, "data.run is a function"],
    [[1, [2, Symbol("s")]], "data[1][1] is a symbol"],
    [{ n: 10n }, "data.n is a BigInt"],
    [{ ratio: NaN }, "data.ratio is NaN"],
    [{ "odd key": [Infinity] }, 'data["odd key"][0] is Infinity'],
    [{ m: new Map() }, "data.m is a Map"],
    [{ s: new Set([1]) }, "data.s is a Set"],
    [{ bytes: new Uint8Array(2) }, "data.bytes is a Uint8Array (use Array.from or base64)"],
  ];
  for (const [data, expected] of cases) assert.equal(findUnencodable(data), expected);
});

Deno.test("findUnencodable finds cycles quickly, however many paths lead into them", () => {
  const loop: Record<string, unknown> = {};
  loop.a = loop;
  loop.b = loop; // two ways around: a walk without a cycle check would take 2^depth steps
  assert.equal(findUnencodable({ loop }), "data.loop.a is circular (it contains itself)");
  const list: unknown[] = [];
  list.push(list);
  assert.equal(findUnencodable(list), "data[0] is circular (it contains itself)");
});

Deno.test("findUnencodable ignores inherited properties, as JSON does", () => {
  const proto = { inherited() {} };
  const object = Object.create(proto);
  object.own = 1;
  Object.setPrototypeOf(proto, Object.prototype);
  assert.equal(findUnencodable(object), undefined);
});
