/**
 * A worker's slot alone, for the pieces that read it (the start, what is
 * said of a late child): its process is never spawned.
 */

import type { Address } from "../mod.ts";
import { type DenoChildSpec, newSlot, type Slot } from "../src/child_slot.ts";

// Workers run a module: a late one is asked whether it called connect().
const SPEC: DenoChildSpec = {
  module: "./worker.ts",
  permissions: {},
  flags: [],
  args: [],
  labelOutput: false,
};

/** Worker `address`'s slot, starting, its process a module, never restarted. */
export function workerSlot(address: Address): Slot {
  return newSlot(address, SPEC, null);
}
