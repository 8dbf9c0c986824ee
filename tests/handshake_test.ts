import assert from "node:assert/strict";
import { newToken, readHello, tokensMatch } from "../src/handshake.ts";

Deno.test("newToken makes long, different, URL-safe tokens", () => {
  const tokens = new Set(Array.from({ length: 100 }, newToken));
  assert.equal(tokens.size, 100);
  for (const token of tokens) assert.match(token, /^[A-Za-z0-9_-]{43}$/);
});

Deno.test("tokensMatch compares whole tokens", () => {
  assert.ok(tokensMatch("abc", "abc"));
  assert.ok(!tokensMatch("abd", "abc"));
  assert.ok(!tokensMatch("ab", "abc"));
  assert.ok(!tokensMatch("", "abc"));
});

Deno.test("readHello accepts only well-formed hellos", () => {
  assert.deepEqual(readHello({ action: "$hello", data: { from: 1, token: "t" } }), {
    from: 1,
    token: "t",
  });
  assert.deepEqual(readHello({ action: "$hello", data: { from: "logger", token: "t" } }), {
    from: "logger",
    token: "t",
  });
  for (
    const data of [undefined, null, {}, { from: -1, token: "t" }, { from: 1 }, {
      from: "",
      token: "t",
    }]
  ) {
    assert.equal(readHello({ action: "$hello", data }), undefined, JSON.stringify(data));
  }
  assert.equal(readHello({ action: "$welcome", data: { from: 1, token: "t" } }), undefined);
});
