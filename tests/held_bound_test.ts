/**
 * What a process holds before it is ready is bounded: past its
 * `maxQueuedBytes`, it reads no more until it is ready, and its peers'
 * own queues push back on them (`QueueFullError`), as for a process that
 * reads slowly. Once ready, it takes all of it, in order.
 */

import assert from "node:assert/strict";
import { Cluster, QueueFullError } from "../mod.ts";
import { MANAGER } from "../src/address.ts";
import { nextEvent, waitFor } from "./helpers.ts";
import { unixNetwork } from "./networks.ts";

const MIB = 1024 * 1024;

Deno.test("a process not ready yet reads no more past maxQueuedBytes held: its sender is pushed back, and all of it comes once ready", async () => {
  const network = await unixNetwork();
  try {
    await network.open(MANAGER);
    const r0 = await network.router(0, { held: true, holdLimit: MIB });
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

Deno.test("a reloaded worker flooded before it is ready reads again as it says ready: it hears its go-ahead, and takes all of it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  try {
    await Deno.writeTextFile(`${dir}/open`, "");
    await using cluster = await Cluster.start({
      worker: new URL("./fixtures/gated_start_worker.ts", import.meta.url),
      workers: 2,
      args: [dir],
      permissions: { read: [dir] },
      maxFrameSize: 256 * 1024,
      maxQueuedBytes: MIB,
    });
    // Its next process waits for `open` before it says it is ready.
    await Deno.remove(`${dir}/open`);
    const waiting = nextEvent((listener) => cluster.on("waiting", listener), "the new worker 1");
    const reloaded = cluster.reload([1]);
    await waiting;
    const body = "x".repeat(64 * 1024);
    let sent = 0;
    let refusal: unknown;
    while (sent < 1_000 && refusal === undefined) {
      try {
        cluster.sendMessage("tick", body, 1);
        sent++;
      } catch (error) {
        refusal = error;
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    assert.ok(refusal instanceof QueueFullError, `${sent} sent, none refused`);
    await Deno.writeTextFile(`${dir}/open`, "");
    await waitFor(reloaded, "the reload, once worker 1 is ready");
    assert.equal(await cluster.request("ticksRequest", undefined, { to: 1 }), sent);
  } finally {
    await Deno.remove(dir, { recursive: true });
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
