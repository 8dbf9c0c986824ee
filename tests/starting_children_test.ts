/**
 * What a child starting is told of the processes being replaced, and what
 * the manager keeps for it of the events it was not connected to hear.
 */

import assert from "node:assert/strict";
import { StartingChildren } from "../src/starting_children.ts";

Deno.test("a starting child gets, at its ready, the events about what it was told that it missed", () => {
  const starting = new StartingChildren();
  starting.told(1, ["logger", 2]);
  starting.told(3, []);
  // Before worker 1 joined: kept for it. About a process it was not told of: not.
  starting.announced({ type: "ready", address: "logger" }, [0]);
  starting.announced({ type: "ready", address: 0 }, [0]);
  // Once it is connected, it hears for itself.
  starting.announced({ type: "ready", address: 2 }, [0, 1]);
  assert.deepEqual(starting.ready(1), [{ type: "ready", address: "logger" }]);
  // Told once: its next start is told anew.
  assert.deepEqual(starting.ready(1), []);
  assert.deepEqual(starting.ready(3), []);
});
