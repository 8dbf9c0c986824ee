/**
 * What a child holds before it is ready is bounded: past its
 * `maxQueuedBytes`, the connection that brought it reads no more until it
 * is ready, and that peer's own queue pushes back on it (`QueueFullError`),
 * as for a process that reads slowly. Once ready, it takes all of it, in
 * order. Its manager's connection, and one to a peer it waits on, read on;
 * and a manager, which needs its children's word that they are ready,
 * holds without that bound as it starts.
 */

import assert from "node:assert/strict";
import { Cluster, QueueFullError } from "../mod.ts";
import { MANAGER } from "../src/address.ts";
import type { Router } from "../src/router.ts";
import { nextEvent, waitFor } from "./helpers.ts";
import { unixNetwork } from "./networks.ts";

const MIB = 1024 * 1024;

/**
 * `from` sends `to` ticks of 64 KiB, a task apart, until one is refused;
 * without the bound, all 1,000 would be held. Returns how many went.
 */
async function floodUntilRefused(from: Router, to: number): Promise<number> {
  const body = "x".repeat(64 * 1024);
  let sent = 0;
  let refusal: unknown;
  while (sent < 1_000 && refusal === undefined) {
    try {
      from.sendMessage("tick", { n: sent, body }, to);
      sent++;
    } catch (error) {
      refusal = error;
    }
    // A turn for the sockets, after each.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  assert.ok(refusal instanceof QueueFullError, `${sent} sent, none refused`);
  return sent;
}

Deno.test("a process not ready yet reads no more past its hold limit: its sender is pushed back, and all of it comes once ready", async () => {
  const network = await unixNetwork();
  try {
    await network.open(MANAGER);
    const r0 = await network.router(0, { held: true, holdLimit: MIB });
    const r1 = await network.router(1, { maxQueuedBytes: 2 * MIB });
    const sent = await floodUntilRefused(r1, 0);
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

Deno.test("held past its limit, a process still hears its manager, gets answers from other peers, and sees a peer it waits on close", async () => {
  const network = await unixNetwork();
  try {
    const manager = await network.router(MANAGER);
    const stop = Promise.withResolvers<void>();
    const r0 = await network.router(0, {
      held: true,
      holdLimit: MIB,
      requestTimeout: 60_000,
      control: { $stop: { from: MANAGER, run: () => stop.resolve() } },
    });
    const [r1, r2] = [
      await network.router(1, { maxQueuedBytes: 2 * MIB }),
      await network.router(2),
    ];
    r2.listeners.handle("configRequest", () => ({ port: 8080 }));
    r2.listeners.handle("silentRequest", () => new Promise(() => {}));
    // A request it waits on, from worker 2.
    const waitedOn = r0.request("silentRequest", undefined, { to: 2 }).catch((error) => error);
    await floodUntilRefused(r1, 0);
    // Its manager: a message to hold, then a control frame it must still read.
    manager.sendMessage("note", "x".repeat(512 * 1024), 0);
    manager.sendControl(0, "$stop");
    await waitFor(stop.promise, "the $stop to be read");
    // Its setup asks another peer something: answers are not held.
    const config = r0.request("configRequest", undefined, { to: 2 });
    assert.deepEqual(await waitFor(config, "the answer"), { port: 8080 });
    // Worker 2 sends it something to hold, then closes: what waits on it fails at once.
    r2.sendMessage("note", "x", 0);
    await r2.close();
    const error = await waitFor(waitedOn, "the request to worker 2 to fail");
    assert.match(String(error), /the connection closed before it answered/);
  } finally {
    await network.close();
  }
});

Deno.test("a manager flooded by its children as it starts still starts: it holds what they send, and reads on", async () => {
  await using cluster = await Cluster.start({
    worker: new URL("./fixtures/flooding_worker.ts", import.meta.url),
    workers: 2,
    maxFrameSize: 256 * 1024,
    highWaterMark: 64 * 1024,
    maxQueuedBytes: MIB,
    startTimeout: 5_000,
  });
  let flooded = 0;
  await nextEvent(
    (listener) => cluster.on("flood", () => ++flooded === 128 && listener(undefined)),
    "every flood message",
  );
});
