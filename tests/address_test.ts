import assert from "node:assert/strict";
import { MANAGER } from "../mod.ts";
import { describe, describeTarget, isAddress, targetsOf } from "../src/address.ts";

Deno.test("describe names processes for error messages", () => {
  assert.equal(describe(0), "worker 0");
  assert.equal(describe("logger"), 'service "logger"');
  assert.equal(describe(MANAGER), "the manager");
  assert.equal(describeTarget(undefined), "every worker");
  assert.equal(describeTarget([0, "db"]), 'worker 0, service "db"');
  assert.equal(describeTarget([]), "nobody");
});

Deno.test("targetsOf takes an address or a list, and refuses anything else", () => {
  assert.deepEqual(targetsOf(1, "x"), [1]);
  assert.deepEqual(targetsOf([0, "db", MANAGER], "x"), [0, "db", MANAGER]);
  for (const bad of [-1, 1.5, NaN, "", null, {}, [1, -2]]) {
    assert.throws(() => targetsOf(bad as never, "test"), /^TypeError: Cannot send "test" to /);
  }
  assert.ok(isAddress(0) && isAddress("x") && !isAddress(undefined));
});
