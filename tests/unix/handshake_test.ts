import assert from "node:assert/strict";
import {
  helloPayload,
  isWelcome,
  newToken,
  readHello,
  tokensMatch,
  WELCOME_PAYLOAD,
} from "../../src/unix/handshake.ts";

const utf8 = new TextEncoder();
const json = (value: unknown) => utf8.encode(JSON.stringify(value));

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
  assert.deepEqual(readHello(json({ action: "$hello", data: { from: 1, token: "t" } })), {
    from: 1,
    token: "t",
  });
  assert.deepEqual(readHello(json({ action: "$hello", data: { from: "logger", token: "t" } })), {
    from: "logger",
    token: "t",
  });
  for (
    const data of [undefined, null, {}, { from: -1, token: "t" }, { from: 1 }, {
      from: "",
      token: "t",
    }]
  ) {
    assert.equal(readHello(json({ action: "$hello", data })), undefined, JSON.stringify(data));
  }
  assert.equal(readHello(json({ action: "$welcome", data: { from: 1, token: "t" } })), undefined);
  assert.equal(readHello(utf8.encode("not json")), undefined);
});

Deno.test("the handshake's frames are the documented JSON", () => {
  assert.equal(
    helloPayload({ from: 2, token: "t" }),
    '{"action":"$hello","data":{"from":2,"token":"t"}}',
  );
  assert.equal(WELCOME_PAYLOAD, '{"action":"$welcome","data":{}}');
  assert.ok(isWelcome(utf8.encode(WELCOME_PAYLOAD)));
  assert.ok(!isWelcome(utf8.encode(helloPayload({ from: 2, token: "t" }))));
});
