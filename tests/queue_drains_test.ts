/**
 * `QueueDrains` (src/queue_drains.ts) in one process, on the memory
 * transport: what `drainFor`, `drain` and `flushed` wait for, to a peer
 * and to itself. Through real routers and sockets: tests/stream_test.ts,
 * tests/review20_small_queue_drain_test.ts, tests/sibling_starting_sends_test.ts.
 */

import assert from "node:assert/strict";
import { Layout } from "../src/layout.ts";
import { Loopback } from "../src/loopback.ts";
import { MemoryNetwork } from "../src/memory_transport.ts";
import { Outbox } from "../src/outbox.ts";
import { QueueDrains } from "../src/queue_drains.ts";
import type { Endpoint } from "../src/transport.ts";
import { waitFor } from "./helpers.ts";

const HIGH_WATER_MARK = 100;
const LAYOUT = new Layout(2, []);

/** Worker 0's drains, with worker 1 reading what it is sent, and what 0 sent itself. */
async function drainsOf() {
  const network = new MemoryNetwork();
  const options = { maxPayload: 1 << 20, report: (error: Error) => assert.fail(error) };
  const endpoint = await network.open(0, options);
  const peer = await network.open(1, options);
  const read: number[] = [];
  peer.receive({
    deliver: (_from, payloads) => void read.push(...payloads.map((payload) => payload.length)),
    gone: () => {},
  });
  endpoint.receive({ deliver: () => {}, gone: () => {} });
  const looped: number[] = [];
  const loopback = new Loopback((payloads) => looped.push(payloads.length));
  const outbox = new Outbox(endpoint, loopback, 1 << 20, LAYOUT);
  const drains = new QueueDrains(endpoint, loopback, outbox, HIGH_WATER_MARK);
  const close = async (...endpoints: Endpoint[]) => {
    loopback.close();
    for (const each of endpoints) each.close();
    await Promise.all(endpoints.map((each) => each.closed));
  };
  return { drains, endpoint, loopback, read, looped, close: () => close(endpoint, peer) };
}

Deno.test("QueueDrains makes no promise while the queue to a peer is at most the high-water mark", async () => {
  const { drains, endpoint, close } = await drainsOf();
  endpoint.send(1, new Uint8Array(HIGH_WATER_MARK));
  assert.equal(drains.drainFor(1), undefined);
  await close();
});

Deno.test("QueueDrains waits, over the high-water mark, until the queue to the peer is handed on", async () => {
  const { drains, endpoint, read, close } = await drainsOf();
  endpoint.send(1, new Uint8Array(HIGH_WATER_MARK + 1));
  const drained = drains.drainFor(1);
  assert.ok(drained, "a promise over the mark");
  await waitFor(drained, "the queue to worker 1 to drain");
  assert.equal(endpoint.queued(1), 0);
  assert.deepEqual(read, [HIGH_WATER_MARK + 1]);
  await close();
});

Deno.test("QueueDrains waits for what a process sent itself through the loopback", async () => {
  const { drains, loopback, looped, close } = await drainsOf();
  loopback.send(new Uint8Array(HIGH_WATER_MARK + 1));
  const drained = drains.drainFor(0);
  assert.ok(drained, "a promise over the mark");
  await waitFor(drained, "the loopback to drain");
  assert.deepEqual(looped, [1]);
  await close();
});

Deno.test("QueueDrains' flushed() resolves once every queue is empty, the loopback's too", async () => {
  const { drains, endpoint, loopback, read, looped, close } = await drainsOf();
  endpoint.send(1, new Uint8Array(10));
  loopback.send(new Uint8Array(10));
  await waitFor(drains.flushed(), "everything to be handed on");
  assert.deepEqual([read, looped], [[10], [1]]);
  await close();
});

Deno.test("QueueDrains' drain() rejects a target that is not one, as drain() on a peer does", async () => {
  const { drains, close } = await drainsOf();
  await assert.rejects(drains.drain(-1 as number), TypeError);
  await waitFor(drains.drain(1), "an empty queue to drain at once");
  await close();
});
