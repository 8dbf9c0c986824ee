import assert from "node:assert/strict";
import { HeldSyncs } from "../src/held_syncs.ts";

Deno.test("held answers go out when the child they wait for listens, in the order asked", () => {
  const held = new HeldSyncs();
  const answered: string[] = [];
  held.hold("db", () => answered.push("first about db"));
  held.hold(1, () => answered.push("about worker 1"));
  held.hold("db", () => answered.push("second about db"));
  held.release("db");
  assert.deepEqual(answered, ["first about db", "second about db"]);
  held.release("db");
  assert.equal(answered.length, 2, "each answer goes once");
  held.release(1);
  assert.equal(answered.at(-1), "about worker 1");
});

Deno.test("a stop lets every held answer go", () => {
  const held = new HeldSyncs();
  const answered: string[] = [];
  held.hold("db", () => answered.push("db"));
  held.hold(0, () => answered.push("0"));
  held.releaseAll();
  assert.deepEqual(answered.sort(), ["0", "db"]);
  held.releaseAll();
  assert.equal(answered.length, 2);
});

Deno.test("answers that wait for the start go once it is over, and at once after", () => {
  const held = new HeldSyncs();
  const answered: string[] = [];
  held.holdUntilStarted(() => answered.push("early"));
  assert.equal(answered.length, 0);
  held.started();
  assert.deepEqual(answered, ["early"]);
  held.holdUntilStarted(() => answered.push("late"));
  assert.deepEqual(answered, ["early", "late"]);
  const stopped = new HeldSyncs();
  stopped.holdUntilStarted(() => answered.push("stopped"));
  stopped.releaseAll();
  assert.equal(answered.at(-1), "stopped", "a start that fails stops the cluster: answered too");
});
