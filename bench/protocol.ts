/**
 * The Switchboard bench's protocol, shared by the manager and the bench
 * worker, and what it takes to read a heap size worth comparing.
 *
 * @module
 */

import type { Payload } from "./payload.ts";

/** The manager's order to a worker: run a loop against other workers. */
export interface Order {
  /** The workers to send to. */
  to: number[];
  /** How many round trips, or messages. */
  count: number;
  /** What to send. */
  payload: Payload;
}

/** Every action the bench uses. */
export type BenchProtocol = {
  /** Answered with the same payload. */
  echoRequest: Payload;
  echoResponse: Payload;
  /** Counted by the receiver, never answered. */
  flood: Payload;
  /** Counted like a flood: a Uint8Array, for scenario 9. */
  bytes: Uint8Array;
  /** Answered, after every flood before it, with how many arrived since the last drain. */
  drainRequest: undefined;
  drainResponse: number;
  /** Worker to worker: run round trips and answer with each one's µs. */
  roundTripsRequest: Order;
  roundTripsResponse: number[];
  /** Worker to worker: stream messages and answer with the seconds it took. */
  streamRequest: Order;
  streamResponse: number;
  /** Keeps the worker's CPU busy for `ms`, then answers with its id (scenario 8). */
  workRequest: { ms: number };
  workResponse: number;
  /** Answered with the heap in use after a full collection, in bytes. */
  heapRequest: undefined;
  heapResponse: number;
};

/** The `deno run` flag that makes `gc()` callable, for honest heap figures. */
export const EXPOSE_GC = "--v8-flags=--expose-gc";

/**
 * The heap in use, in bytes, after a full garbage collection when `gc()`
 * is exposed (see {@linkcode EXPOSE_GC}); otherwise whatever is in use.
 */
export function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return Deno.memoryUsage().heapUsed;
}
