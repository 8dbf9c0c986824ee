/**
 * `ManagerSync`: a child's `$sync` round trips, by id; `whenListens` tells
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

Deno.test("whenListens() is told of the answer, in the call that reads it, and never of an end", () => {
  const sync = new ManagerSync(() => true);
  const heard: string[] = [];
  sync.whenListens("svc", () => heard.push("svc"));
  sync.whenListens(2, () => heard.push("2"));
  sync.synced({ id: 1, for: 2 });
  assert.deepEqual(heard, ["2"], "synchronously, before any later frame is handled");
  sync.endAll();
  sync.synced({ id: 0, for: "svc" });
  assert.deepEqual(heard, ["2"], "the manager gone: nobody is told it listens");
  const cutOff = new ManagerSync(() => false);
  cutOff.whenListens(1, () => heard.push("1"));
  assert.deepEqual(heard, ["2"]);
});
