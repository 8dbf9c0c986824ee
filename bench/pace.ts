/**
 * Pacing for pipelined sends. A sender that queued a chunk of messages
 * yields one event-loop turn before the next chunk, as a real application
 * producing messages over time would, so that writes (and the receiver)
 * run while it keeps producing. `setImmediate` is the cheapest such turn in
 * Deno (a few µs; `setTimeout(0)` is clamped to milliseconds), and Node's
 * driver paces the same way.
 *
 * @module
 */

import { setImmediate } from "node:timers";

/** How many payload bytes a sender queues before it yields. */
export const CHUNK_BYTES = 64 * 1024;

/** Resolves on the next event-loop turn, after pending I/O got its chance. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** How many messages of `bytes` each go in one chunk: at least one. */
export function chunkSize(bytes: number): number {
  return Math.max(1, Math.floor(CHUNK_BYTES / bytes));
}
