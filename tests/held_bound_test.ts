/**
 * What a process holds before it is ready is bounded: past its
 * `maxQueuedBytes`, it reads no more until it is ready, and its peers'
 * own queues push back on them (`QueueFullError`), as for a process that
 * reads slowly. Once ready, it takes all of it, in order.
 */

import assert from "node:assert/strict";
import { MANAGER } from "../src/address.ts";
import { QueueFullError } from "../src/errors.ts";
import { nextEvent } from "./helpers.ts";
import { unixNetwork } from "./networks.ts";

const MIB = 1024 * 1024;

Deno.test("a process not ready yet reads no more past maxQueuedBytes held: its sender is pushed back, and all of it comes once ready", async () => {
  const network = await unixNetwork();
  try {
    await network.open(MANAGER);
    const r0 = await network.router(0, { held: true, maxQueuedBytes: MIB });
    const r1 = await network.router(1, { maxQueuedBytes: 2 * MIB });
    const body = "x".repeat(64 * 1024);
    let sent = 0;
    let refusal: unknown;
    // Without the bound, all of it would be held: 1,000 of 64 KiB.
    while (sent < 1_000 && refusal === undefined) {
      try {
        r1.sendMessage("tick", { n: sent, body }, 0);
        sent++;
      } catch (error) {
        refusal = error;
      }
      // A turn for the sockets, after each.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    assert.ok(refusal instanceof QueueFullError, `${sent} sent, none refused`);
    const got: number[] = [];
    const all = nextEvent(
      (listener) =>
        r0.listeners.on("tick", (data) => {
          got.push((data as { n: number }).n);
          if (got.length === sent) listener(undefined);
        }),
      `all ${sent} ticks`,
    );
    r0.ready();
    await all;
    assert.deepEqual(got, Array.from({ length: sent }, (_, n) => n), "every one, in order");
  } finally {
    await network.close();
  }
});
