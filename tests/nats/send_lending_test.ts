/** sendLending() across hosts: NATS copies at the call, so it gives back as the call returns. */

import assert from "node:assert/strict";
import { Recorder } from "../helpers.ts";
import { hash } from "../fixtures/hashes.ts";
import { bThenHere, joinHere, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

Deno.test({
  name: "sendLending() to a worker on another host and one here gives back, both intact",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    const b = startHost({ cluster, host: "b", workers: 2, services: [] });
    await using hosts = await bThenHere(b, () => joinHere(cluster, "a", {}));
    const { a } = hosts;
    const seen = new Recorder<{ by: number; data: Uint8Array }>(a, "seen");
    const bytes = new Uint8Array(300_000).map((_, i) => i * 7);
    const expected = hash(bytes);
    // Worker 0 is on host b (NATS), worker 2 here (a Unix socket).
    const { sent, back } = a.sendLending("test", bytes, [0, 2]);
    assert.equal(sent, 2);
    assert.equal(bytes.byteLength, 0);
    const [given] = await back;
    assert.equal(hash(given), expected);
    const reports = await seen.until((d) => d.length === 2);
    assert.deepEqual(reports.map((r) => r.by).sort(), [0, 2]);
    for (const report of reports) assert.equal(hash(report.data), expected);
  },
});
