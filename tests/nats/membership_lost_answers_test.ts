/**
 * A host's refresh the server applied, whose answer never came, met by a
 * second failure as the host looks into it: the read of the key fails (a
 * timeout, as the connection blips again), or the host leaves meanwhile.
 * Found by a review of the fix for the first: the host took its own write
 * for another host's claim and left the cluster; and a claim retried after
 * the host left wrote its key back. The failures are injected into the
 * key-value client (its prototype, for the one call), against a real server.
 */

import assert from "node:assert/strict";
import { waitFor } from "../helpers.ts";
import { natsAnswers } from "./hosts.ts";
import { memberB, timeout } from "./member_b.ts";

const ignore = !natsAnswers;
/** A beat of 300 ms; never gone for silence within a test. */
const BEATS = { heartbeat: 300, hostTimeout: 20_000 };

Deno.test({
  name: "a read that fails as the host looks into its own lost write does not make it leave",
  ignore,
  async fn() {
    await using run = await memberB(BEATS);
    const worker = await run.changes("w.0");
    const mine = await worker.next();
    // b's own value written again, as its refresh whose answer it never had; and its read fails.
    let reads = 0;
    run.intercept("get", "w.0", (call) => reads++ === 0 ? timeout() : call());
    await run.kv.put("w.0", mine.string());
    await worker.next();
    const after = await worker.next(); // b's next refresh, or its leaving.
    assert.equal(after.operation, "PUT");
    assert.deepEqual(run.reports.map((error) => error.message), []);
  },
});

Deno.test({
  name: "a claim retried after the host left writes nothing back",
  ignore,
  async fn() {
    await using run = await memberB(BEATS);
    const hostKey = await run.changes("h.b");
    const mine = await hostKey.next();
    // Another host's beats are the clock once b has left.
    const c = await run.join("c");
    // Its read fails, and its claims time out, until it has left.
    let reads = 0;
    run.intercept("get", "h.b", (call) => reads++ === 0 ? timeout() : call());
    let claims = 0;
    let failing = true;
    const claimed = Promise.withResolvers<void>();
    run.intercept("put", "h.b", (call, options) => {
      if (options?.previousSeq !== 0) return call();
      claims++;
      claimed.resolve();
      return failing ? timeout() : call();
    });
    await run.kv.put("h.b", mine.string());
    await hostKey.next();
    await waitFor(claimed.promise, "b to claim its key again");
    await run.b.leave();
    assert.equal((await hostKey.next()).operation, "DEL");
    const tried = claims;
    failing = false;
    // Two beats more: a claim still retried would write b's key back.
    const beats = await run.changes("h.c");
    for (let beat = 0; beat < 3; beat++) await beats.next();
    await c.leave();
    assert.equal((await run.kv.get("h.b"))?.operation, "DEL");
    assert.equal(claims, tried, "no claim after b left");
  },
});

Deno.test({
  name: "a claim that reads its key as the host leaves writes nothing back",
  ignore,
  async fn() {
    await using run = await memberB(BEATS);
    const hostKey = await run.changes("h.b");
    const mine = await hostKey.next();
    // b's first read fails; its claim then finds the key taken and reads it
    // again, and that read is answered only once b has left.
    const reading = Promise.withResolvers<void>();
    const left = Promise.withResolvers<void>();
    let reads = 0;
    run.intercept("get", "h.b", async (call) => {
      const read = reads++;
      if (read === 0) return timeout();
      if (read === 1) {
        reading.resolve();
        await left.promise;
      }
      return call();
    });
    await run.kv.put("h.b", mine.string());
    await hostKey.next();
    await waitFor(reading.promise, "b's claim to read its key");
    await run.b.leave();
    left.resolve();
    assert.equal((await hostKey.next()).operation, "DEL");
    // Three beats of another host's: b's claim, had it written the key back, came before.
    const c = await run.join("c");
    const beats = await run.changes("h.c");
    for (let beat = 0; beat < 3; beat++) await beats.next();
    await c.leave();
    assert.equal((await run.kv.get("h.b"))?.operation, "DEL");
  },
});
