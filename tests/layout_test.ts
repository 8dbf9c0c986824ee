import assert from "node:assert/strict";
import { MANAGER } from "../mod.ts";
import { Layout } from "../src/layout.ts";

Deno.test("Layout lists its workers and children in order", () => {
  const layout = new Layout(3, ["logger", "a name with spaces/and slashes"]);
  assert.deepEqual(layout.workerIds, [0, 1, 2]);
  assert.deepEqual(layout.children(), [0, 1, 2, "logger", "a name with spaces/and slashes"]);
});

Deno.test("Layout knows its members", () => {
  const layout = new Layout(2, ["logger"]);
  assert.ok(layout.has(1) && layout.has("logger") && layout.has(MANAGER));
  assert.ok(!layout.has(2) && !layout.has(-1) && !layout.has(0.5) && !layout.has("db"));
  assert.equal(String(layout), 'workers 0-1, services "logger", the manager');
});

Deno.test("Layout refuses bad counts and names", () => {
  assert.throws(() => new Layout(-1, []), TypeError);
  assert.throws(() => new Layout(1.5, []), TypeError);
  assert.throws(() => new Layout(1, [MANAGER]), /cannot be named "manager"/);
  assert.throws(() => new Layout(1, [""]), TypeError);
  assert.throws(() => new Layout(1, ["a", "a"]), /listed twice/);
});

Deno.test("Layout takes its own host's manager, by its cluster-wide address, as MANAGER", () => {
  const layout = new Layout([0, 1], [], ["manager@b"], "manager@a");
  assert.equal(layout.here("manager@a"), MANAGER);
  assert.deepEqual(layout.here([0, "manager@a", "manager@b"]), [0, MANAGER, "manager@b"]);
  const list = [0, "manager@b"];
  assert.equal(layout.here(list), list, "nothing to change: the same list");
  assert.equal(layout.here("manager@b"), "manager@b");
  assert.equal(new Layout(1, []).here("manager@a"), "manager@a", "on one host: no such address");
  assert.deepEqual(Layout.from(layout.members())?.members(), layout.members());
  assert.throws(() => new Layout(1, [], [], "a"), /manager@<host>/);
});
