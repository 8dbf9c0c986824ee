/** `HostEvents`: events numbered as told to other hosts, each taken once by them. */

import assert from "node:assert/strict";
import { HostEvents, MOST_KEPT, toldOf } from "../src/host_events.ts";
import type { LifecycleEvent } from "../mod.ts";

const exit: LifecycleEvent = { type: "exit", address: 0, code: 1, signal: null, restart: true };

Deno.test("events are numbered, kept to tell again, the latest only", () => {
  const events = new HostEvents();
  // There from the start: told every event kept.
  events.joined("manager@b");
  const first = events.number(exit);
  const second = events.number({ type: "ready", address: 0 });
  assert.equal(first.told.n, 1);
  assert.equal(second.told.n, 2);
  assert.equal(first.told.by, second.told.by);
  for (let i = 0; i < MOST_KEPT; i++) events.number({ type: "ready", address: 0 });
  const kept = events.keptFor("manager@b");
  assert.equal(kept.length, MOST_KEPT);
  assert.equal(kept[0].told.n, 3);
});

Deno.test("a host's events are taken once, and afresh from a new process of it", () => {
  const told = new HostEvents().number(exit).told;
  const here = new HostEvents();
  assert.equal(here.take("manager@b", told, 0), true);
  assert.equal(here.take("manager@b", told, 0), false, "told again");
  assert.equal(here.take("manager@b", { ...told, n: told.n + 1 }, 0), true);
  assert.equal(here.take("manager@b", { by: "another process", n: 1 }, 0), true);
  assert.equal(here.take("manager@b", undefined, 0), true, "not numbered");
});

Deno.test("one missed is taken told again after later ones, unless its child's later one was", () => {
  const here = new HostEvents();
  const told = (n: number) => ({ by: "b", n });
  assert.equal(here.take("manager@b", told(1), 1), true);
  // 2 (worker 0) and 3 (worker 1) missed; 4 (worker 1) came first.
  assert.equal(here.take("manager@b", told(4), 1), true);
  assert.equal(here.take("manager@b", told(2), 0), true, "missed, another child");
  assert.equal(here.take("manager@b", told(3), 1), false, "its child's later event was taken");
  assert.equal(here.take("manager@b", told(2), 0), false, "told again");
  assert.equal(here.take("manager@b", told(4), 1), false, "told again");
  assert.equal(here.take("manager@b", told(5), 0), true);
  // Past what the other keeps, a gap is never filled: the numbers kept stay few.
  assert.equal(here.take("manager@b", told(10 + 2 * MOST_KEPT), 0), true);
  assert.equal(here.take("manager@b", told(9 + MOST_KEPT), 0), false, "older than its child's");
  assert.equal(here.take("manager@b", told(9 + MOST_KEPT), 1), false, "no longer kept there");
  assert.equal(here.take("manager@b", told(11 + MOST_KEPT), 1), true, "kept there, missed");
});

Deno.test("events are told again only to a manager that was there", () => {
  const events = new HostEvents();
  events.joined("manager@a");
  events.number(exit);
  events.joined("manager@c");
  const ready = events.number({ type: "ready", address: 0 });
  assert.equal(events.keptFor("manager@a").length, 2);
  assert.deepEqual(events.keptFor("manager@c"), [ready]);
  // Seen to leave and back: told what it missed meanwhile.
  events.joined("manager@c");
  assert.deepEqual(events.keptFor("manager@c"), [ready]);
  assert.deepEqual(events.keptFor("manager@d"), [], "never there");
});

Deno.test("a new process under a host's name is told nothing from before it joined", () => {
  const events = new HostEvents();
  events.joined("manager@b");
  events.joined("manager@b", "first");
  const exited = events.number(exit);
  // The same process, seen to leave and back: told what it missed.
  events.joined("manager@b", "first");
  assert.deepEqual(events.keptFor("manager@b"), [exited]);
  events.joined("manager@b", "second");
  assert.deepEqual(events.keptFor("manager@b"), []);
  const ready = events.number({ type: "ready", address: 0 });
  events.joined("manager@b");
  assert.deepEqual(events.keptFor("manager@b"), [ready]);
  // There as this one started, its id first known as it leaves.
  events.joined("manager@c");
  events.number({ type: "reload", address: 0 });
  events.left("manager@c", "first");
  events.joined("manager@c", "second");
  assert.deepEqual(events.keptFor("manager@c"), []);
});

Deno.test("told is checked: a number of 1 or more, and the process's id", () => {
  assert.deepEqual(toldOf({ told: { by: "x", n: 3 } }), { by: "x", n: 3 });
  assert.equal(toldOf({}), undefined);
  for (
    const told of [null, 3, { by: "x" }, { by: 1, n: 1 }, { by: "x", n: 0 }, { by: "x", n: 1.5 }]
  ) {
    assert.equal(toldOf({ told }), null, JSON.stringify(told));
  }
});
