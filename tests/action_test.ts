import assert from "node:assert/strict";
import { responseAction } from "../mod.ts";
import { assertUserAction } from "../src/action.ts";

Deno.test("responseAction replaces a trailing Request, else appends Response", () => {
  assert.equal(responseAction("testRequest"), "testResponse");
  assert.equal(responseAction("stats"), "statsResponse");
  assert.equal(responseAction("Request"), "Response");
  assert.equal(responseAction("requestCount"), "requestCountResponse");
  assert.equal(responseAction("fooRequestRequest"), "fooRequestResponse");
});

Deno.test("assertUserAction refuses empty, non-string and reserved actions", () => {
  assert.throws(() => assertUserAction(""), TypeError);
  assert.throws(() => assertUserAction(5), TypeError);
  assert.throws(() => assertUserAction("$hello"), /Action "\$hello" is reserved/);
  assertUserAction("hello$");
});
