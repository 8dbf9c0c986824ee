/**
 * `ManagerSync`: a child's `$sync` round trips, by id; `whenStarted` tells
 * of the manager's answer alone, never of its absence.
 */

import assert from "node:assert/strict";
import { ManagerSync, type SyncData } from "../src/manager_sync.ts";

Deno.test("sync() resolves at the answer with its id, and at once when the manager cannot be asked", async () => {
  const sent: SyncData[] = [];
  let up = true;
  const sync = new ManagerSync((data) => {
    sent.push(data);
    return up;
  });
  let answered = false;
  const waiting = sync.sync(3).then(() => answered = true);
  assert.deepEqual(sent, [{ id: 0, for: 3 }]);
  sync.synced({ id: 1 });
  await Promise.resolve();
  assert.equal(answered, false, "another id's answer is not this one's");
  sync.synced({ id: 0 });
  await waiting;
  up = false;
  await sync.sync();
  assert.deepEqual(sent[1], { id: 1 });
});

Deno.test("whenStarted() is told of the answer, in the call that reads it, and never of an end", () => {
  const sent: SyncData[] = [];
  const sync = new ManagerSync((data) => {
    sent.push(data);
    return true;
  });
  const heard: string[] = [];
  sync.whenStarted(() => heard.push("first"));
  sync.whenStarted(() => heard.push("second"));
  assert.deepEqual(sent, [{ id: 0, started: true }, { id: 1, started: true }]);
  sync.synced({ id: 1, started: true });
  assert.deepEqual(heard, ["second"], "synchronously, before any later frame is handled");
  sync.endAll();
  sync.synced({ id: 0, started: true });
  assert.deepEqual(heard, ["second"], "the manager gone: nobody is told the start is over");
  const cutOff = new ManagerSync(() => false);
  cutOff.whenStarted(() => heard.push("cut off"));
  assert.deepEqual(heard, ["second"]);
});
