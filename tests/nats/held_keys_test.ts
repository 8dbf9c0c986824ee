/**
 * `HeldKeys` (src/nats/held_keys.ts) against a bucket of the NATS server:
 * a claim of a free key, of one another process holds, of one this
 * process wrote already; a delete that spares another's key; and when the
 * keys count as lapsed, by an injected clock. Through whole memberships:
 * tests/nats/claim_lapse_test.ts, membership_lapse_test.ts, lost_bucket_test.ts.
 */

import assert from "node:assert/strict";
import { HeldKeys } from "../../src/nats/held_keys.ts";
import { ownerValue, WORKER } from "../../src/nats/membership_keys.ts";
import { freshBucket, natsAnswers } from "./hosts.ts";

Deno.test({
  name:
    "HeldKeys claims a free key and one it wrote itself, not another's, and deletes only its own",
  ignore: !natsAnswers,
}, async () => {
  await using fresh = await freshBucket();
  const { kv } = fresh;
  const closed = new AbortController();
  let now = 1_000_000;
  const keys = new HeldKeys({
    kv,
    process: "pa",
    heartbeat: 200,
    hostTimeout: 500,
    now: () => now,
    closed: closed.signal,
  });
  try {
    assert.equal(await keys.create(`${WORKER}0`, ownerValue("a", "pa")), true, "a free key");
    assert.deepEqual(keys.keys(), [`${WORKER}0`]);
    await kv.put(`${WORKER}1`, ownerValue("b", "pb"));
    assert.equal(await keys.create(`${WORKER}1`, ownerValue("a", "pa")), false, "another's");
    assert.equal(keys.has(`${WORKER}1`), false);
    // This process's own write, whose answer it never had: held, not lost.
    const mine = await kv.put(`${WORKER}2`, ownerValue("a", "pa"));
    assert.equal(await keys.create(`${WORKER}2`, ownerValue("a", "pa"), true), true);
    assert.equal(keys.revision(`${WORKER}2`), mine);

    // Held at a revision, then taken by another host: its key stays.
    const held = await kv.put(`${WORKER}3`, ownerValue("a", "pa"));
    await kv.put(`${WORKER}3`, ownerValue("b", "pb"));
    await keys.deleteOwn(`${WORKER}3`, held);
    assert.equal((await kv.get(`${WORKER}3`))?.operation, "PUT", "another's stays");
    // Held at a revision, then rewritten by this process (a refresh on its way): deleted.
    await kv.put(`${WORKER}2`, ownerValue("a", "pa"));
    await keys.deleteOwn(`${WORKER}2`, mine);
    assert.notEqual((await kv.get(`${WORKER}2`))?.operation, "PUT", "its own is deleted");
    await keys.deleteOwn(`${WORKER}0`, keys.revision(`${WORKER}0`)!);
    assert.notEqual((await kv.get(`${WORKER}0`))?.operation, "PUT", "its own is deleted");

    // Written at 1_000_000 (the claim of worker 0): lapsed past 700 ms after.
    now += 700;
    assert.equal(keys.mayHaveLapsed(), false, "within its lifetime");
    now += 1;
    assert.equal(keys.mayHaveLapsed(), true, "past hostTimeout + heartbeat");
    keys.clear();
    assert.equal(keys.mayHaveLapsed(), false, "holding nothing");
  } finally {
    closed.abort();
  }
});
