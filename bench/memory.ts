/**
 * The memory target: heap after 2,000,000 messages within 10% of heap
 * after warm-up, in the sender (the manager) and the receiver (worker 0).
 * Messages go in drained batches, so what is measured is what the library
 * keeps, not a queue the sender built up.
 *
 * @module
 */

import type { Cluster } from "../mod.ts";
import { measureStream } from "./channel.ts";
import { makePayload } from "./payload.ts";
import { type BenchProtocol, heapAfterGc } from "./protocol.ts";
import { SETTINGS } from "./settings.ts";
import { peerChannel } from "./switchboard_channel.ts";

/** Heap in use after a full collection, in bytes, at the two moments. */
export interface HeapGrowth {
  /** After the warm-up. */
  afterWarmUp: number;
  /** After every message. */
  atEnd: number;
}

/** What the memory run found. */
export interface MemoryResult {
  /** Messages sent after the warm-up. */
  messages: number;
  /** Whether `gc()` was exposed; without it, heap figures include garbage. */
  collected: boolean;
  /** Messages per second over the whole run, drains included. */
  rate: number;
  /** The manager. */
  sender: HeapGrowth;
  /** Worker 0. */
  receiver: HeapGrowth;
}

/** Sends the warm-up, then the full count, from the manager to worker 0. */
export async function measureMemory(cluster: Cluster<BenchProtocol>): Promise<MemoryResult> {
  const { bytes, warmUp, count, batch } = SETTINGS.memory;
  const channel = peerChannel(cluster, 0);
  const payload = makePayload(bytes);
  const heaps = async () => ({
    sender: heapAfterGc(),
    receiver: await cluster.request("heapRequest", undefined, { to: 0 }),
  });
  await measureStream(channel, warmUp, payload);
  const before = await heaps();
  let seconds = 0;
  for (let sent = 0; sent < count; sent += batch) {
    seconds += await measureStream(channel, Math.min(batch, count - sent), payload);
  }
  const after = await heaps();
  return {
    messages: count,
    collected: typeof (globalThis as { gc?: unknown }).gc === "function",
    rate: count / seconds,
    sender: { afterWarmUp: before.sender, atEnd: after.sender },
    receiver: { afterWarmUp: before.receiver, atEnd: after.receiver },
  };
}
