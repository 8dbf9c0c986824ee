/**
 * A message the link refuses leaves the batch as it was, even when writing
 * it published what waited first (a fake NATS connection records what is
 * published).
 */

import assert from "node:assert/strict";
import type { NatsConnection } from "@nats-io/transport-node";
import { readEnvelopes } from "../../src/nats/envelope.ts";
import { type Members, NatsLink } from "../../src/nats/link.ts";
import { TOO_LARGE } from "../../src/transport.ts";

Deno.test("a refused message never corrupts the batch after it", async () => {
  const published: Uint8Array[] = [];
  const nc = {
    info: { max_payload: 100_000 },
    status: () => (async function* () {})(),
    publish: (_subject: string, bytes: Uint8Array) => void published.push(bytes.slice()),
    subscribe: () => ({ unsubscribe() {} }),
    drain: () => Promise.resolve(),
    close: () => Promise.resolve(),
  } as unknown as NatsConnection;
  const a = { host: "a", workers: [0], services: [] };
  const b = { host: "b", workers: [1], services: [] };
  const members: Members = {
    self: a,
    hosts: () => [a, b],
    hostOf: (address) => address === 0 ? "a" : address === 1 ? "b" : undefined,
    onChange: () => () => {},
    leave: () => Promise.resolve(),
    close() {},
  };
  const reports: Error[] = [];
  const link = new NatsLink(nc, members, {
    prefix: "p",
    inbox: { take() {}, drain: () => Promise.resolve() },
    window: 1 << 30,
    report: (error) => reports.push(error),
  });
  assert.equal(link.send(0, 1, "x".repeat(60_000)), 60_000);
  // 40,000 units that take 120,000 bytes: found too large only once written, after a flush.
  assert.equal(link.send(0, 1, "語".repeat(40_000)), TOO_LARGE);
  assert.equal(link.send(0, 1, "y".repeat(10)), 10);
  await Promise.resolve();
  const seen: string[] = [];
  for (const bytes of published) {
    assert.ok(readEnvelopes(bytes, (e) => seen.push(`${e.seq}:${e.body.length}`)), "whole");
  }
  assert.deepEqual(seen, ["0:60000", "1:10"]);
  assert.deepEqual(reports, []);
  link.abandon();
});
