/**
 * `MembershipWatch` (src/nats/membership_watch.ts) against a bucket of the
 * NATS server, written by hand: the hosts there as it begins, those that
 * join and leave after, and one that claims what another holds. Through
 * whole hosts: tests/nats/membership_changes_test.ts.
 */

import assert from "node:assert/strict";
import type { HostRecord, MembershipChange } from "../../src/broker.ts";
import { WIRE_FORMAT } from "../../src/nats/envelope.ts";
import { HOST, recordValue } from "../../src/nats/membership_keys.ts";
import { MembershipWatch } from "../../src/nats/membership_watch.ts";
import { waitFor } from "../helpers.ts";
import { freshBucket, natsAnswers } from "./hosts.ts";

Deno.test({
  name:
    "MembershipWatch knows the hosts there as it begins, hears hosts join and leave, and takes in none that claims what another holds",
  ignore: !natsAnswers,
}, async () => {
  await using fresh = await freshBucket();
  const { bucket, kv } = fresh;
  const closed = new AbortController();
  const reported: Error[] = [];
  const self: HostRecord = { host: "a", workers: [0], services: [] };
  const watch = new MembershipWatch({
    kv,
    bucket,
    self,
    heartbeat: 1_000,
    hostTimeout: 2_500,
    wire: WIRE_FORMAT,
    closed: closed.signal,
    report: (error) => reported.push(error),
  });
  try {
    const b: HostRecord = { host: "b", workers: [1], services: ["logger"] };
    await kv.put(`${HOST}b`, recordValue(b, "pb"));
    await watch.start();
    await watch.caughtUp();
    assert.deepEqual(watch.hosts(), [self, b]);
    assert.equal(watch.hostOf("logger"), "b");
    assert.equal(watch.hostOf(0), "a");

    const changes: MembershipChange[] = [];
    let changed = Promise.withResolvers<void>();
    const remove = watch.onChange((change) => {
      changes.push(change);
      changed.resolve();
    });
    // Host c claims worker 1, which b holds; then d joins.
    await kv.put(`${HOST}c`, recordValue({ host: "c", workers: [1], services: [] }, "pc"));
    const d: HostRecord = { host: "d", workers: [2], services: [] };
    await kv.put(`${HOST}d`, recordValue(d, "pd"));
    await waitFor(changed.promise, "d to join");
    assert.deepEqual(changes, [{ type: "joined", host: d, process: "pd" }]);
    assert.deepEqual(reported.map((error) => error.message), [
      'Host "c" claims worker 1, which host "b" holds: not taken in',
    ]);

    changed = Promise.withResolvers<void>();
    await kv.delete(`${HOST}b`);
    await waitFor(changed.promise, "b to leave");
    assert.deepEqual(changes[1], { type: "left", host: b, process: "pb" });
    assert.equal(watch.hostOf("logger"), undefined);
    assert.deepEqual(watch.hosts(), [self, d]);
    remove();
  } finally {
    closed.abort();
    watch.stop();
  }
});
