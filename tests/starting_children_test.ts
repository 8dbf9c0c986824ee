/**
 * What a child starting is told of the processes being replaced, and what
 * the manager keeps for it of the events it was not connected to hear; and
 * the cluster's layout, if hosts came or went since its bootstrap.
 */

import assert from "node:assert/strict";
import { Layout } from "../src/layout.ts";
import { StartingChildren } from "../src/starting_children.ts";

const LAYOUT = new Layout(4, ["logger"]);

Deno.test("a starting child gets, at its ready, the events about what it was told that it missed", () => {
  const starting = new StartingChildren();
  starting.told(1, ["logger", 2], LAYOUT);
  starting.told(3, [], LAYOUT);
  // Before worker 1 joined: kept for it. About a process it was not told of: not.
  starting.announced({ type: "ready", address: "logger" }, [0]);
  starting.announced({ type: "ready", address: 0 }, [0]);
  // Once it is connected, it hears for itself.
  starting.announced({ type: "ready", address: 2 }, [0, 1]);
  assert.deepEqual(starting.ready(1, LAYOUT), {
    events: [{ type: "ready", address: "logger" }],
    layout: undefined,
  });
  // Told once: its next start is told anew.
  assert.deepEqual(starting.ready(1, LAYOUT), { events: [], layout: undefined });
  assert.deepEqual(starting.ready(3, LAYOUT), { events: [], layout: undefined });
});

Deno.test("a starting child gets, at its ready, the layout if hosts came or went since its bootstrap", () => {
  const starting = new StartingChildren();
  starting.told(0, [], LAYOUT);
  starting.told(1, [], LAYOUT);
  const grown = new Layout([0, 1, 2, 3, 7, 8], ["logger"], ["manager@c"]);
  assert.deepEqual(starting.ready(0, grown), { events: [], layout: grown });
  assert.deepEqual(starting.ready(1, LAYOUT), { events: [], layout: undefined }, "unchanged");
});
