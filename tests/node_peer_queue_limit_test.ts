/**
 * The Node.js reference peer bounds what it queues for a connection by the
 * bootstrap's `maxQueuedBytes`, as a Deno process does (README
 * "Backpressure"): a send past it throws `QueueFullError` and sends
 * nothing, and a request rejects with it; what was sent before is not lost.
 * A sender that awaits `drain()` between sends is never refused. What it
 * answers a peer on its own (`$left`) has a frame more of room, and is
 * dropped past it, reported once (as tests/unread_answers_test.ts for Deno).
 * What it holds for a sibling that cannot take it yet counts as queued, and
 * `drain()` waits for it; a request that waited for a sibling's next
 * process goes to it within the limit too. `drain()` refuses a target that
 * is not an address, as Switchboard's does.
 */

import assert from "node:assert/strict";
import { Cluster, MANAGER } from "../mod.ts";
import { frame } from "../peers/node/frames.mjs";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";
import { waitFor } from "./helpers.ts";

const FLOODING = new URL("./fixtures/node_flooding_service.mjs", import.meta.url).pathname;
const REPORTING = new URL("./fixtures/node_reporting_service.mjs", import.meta.url).pathname;
const MAX_QUEUED = 2 * 1024 * 1024;
const SIZE = 64 * 1024;
/** 16 MiB in one turn of the event loop: far past MAX_QUEUED and what the kernel buffers. */
const COUNT = 256;

/**
 * The flooding Node service, as worker 1 is being replaced and no process
 * of it listens: what it sends worker 1 is held for its next process.
 */
function floodingWhileReplacing(): Promise<FakeManager> {
  return FakeManager.start(
    ["node", FLOODING],
    (transport) => ({
      ...bootstrapOf("node", { workers: [1], services: ["node"] })(transport),
      replacing: [1],
      maxQueuedBytes: MAX_QUEUED,
    }),
  );
}

/** A cluster whose one service is the flooding Node service, queues bounded at MAX_QUEUED. */
function startFlooder(): Promise<Cluster> {
  return Cluster.start({
    workers: 0,
    processes: { flooder: { command: ["node", FLOODING] } },
    maxFrameSize: 128 * 1024,
    maxQueuedBytes: MAX_QUEUED,
  });
}

Deno.test("a Node peer's sends past maxQueuedBytes throw QueueFullError, and what went before arrives", async () => {
  await using cluster = await startFlooder();
  let blobs = 0;
  let allArrived = () => {};
  const arrived = new Promise<void>((resolve) => allArrived = resolve);
  let expected = Infinity;
  // The manager stops reading at the first blob until the burst is over: a
  // manager that read as fast as the Node peer wrote left nothing queued
  // there, and nothing refused (seen once, in a CI run).
  const dir = await Deno.makeTempDir();
  const doneFile = `${dir}/done`;
  cluster.on("blob", () => {
    if (blobs === 0) holdUntilExists(doneFile);
    if (++blobs >= expected) allArrived();
  });
  const outcome = await cluster.request("floodRequest", {
    to: MANAGER,
    count: COUNT,
    size: SIZE,
    doneFile,
  }, {
    to: "flooder",
    timeout: 60_000,
  }) as {
    sent: number;
    refusal: { name: string; message: string; action: string; peer: unknown } | null;
    request: { name: string; message: string } | null;
  };
  assert.ok(outcome.refusal, `all ${outcome.sent} messages were queued, ${COUNT * SIZE} bytes`);
  assert.equal(outcome.refusal.name, "QueueFullError");
  assert.match(
    outcome.refusal.message,
    /^Cannot send "blob" to the manager: \d+ bytes are queued for it already, and the limit is 2097152 \(maxQueuedBytes\); await drain\(\) first$/,
  );
  assert.equal(outcome.refusal.action, "blob");
  assert.equal(outcome.refusal.peer, MANAGER);
  assert.ok(outcome.sent > 0 && outcome.sent < COUNT, `${outcome.sent} sent`);
  assert.equal(outcome.request?.name, "QueueFullError");
  assert.match(outcome.request.message, /^Cannot send "blobRequest" to the manager: /);
  // Nothing counted as sent was lost.
  expected = outcome.sent;
  if (blobs >= expected) allArrived();
  await waitFor(arrived, () => `${outcome.sent} blobs, ${blobs} came`);
  assert.equal(blobs, outcome.sent);
  await Deno.remove(dir, { recursive: true });
});

/** Blocks this process's event loop until `path` exists: a receiver that reads nothing meanwhile. */
function holdUntilExists(path: string): void {
  const deadline = performance.now() + 20_000;
  for (;;) {
    try {
      Deno.statSync(path);
      return;
    } catch {
      if (performance.now() > deadline) throw new Error(`${path} never came`);
    }
  }
}

Deno.test("a Node peer that awaits drain() between sends is not refused at maxQueuedBytes", async () => {
  await using cluster = await startFlooder();
  let blobs = 0;
  cluster.on("blob", () => void blobs++);
  const outcome = await cluster.request(
    "drainedFloodRequest",
    { to: MANAGER, count: COUNT, size: SIZE },
    { to: "flooder", timeout: 60_000 },
  );
  assert.deepEqual(outcome, { sent: COUNT, refusal: null });
  // Sent behind every blob, on the same connection.
  assert.equal(
    await cluster.request("floodRequest", { to: MANAGER, count: 0, size: 1 }, {
      to: "flooder",
    }).then(() => blobs),
    COUNT,
  );
});

Deno.test("a Node peer's $left answers to a sibling that never reads stay within maxQueuedBytes, and the drop is reported once", async () => {
  await using manager = await FakeManager.start(
    ["node", REPORTING],
    (transport) => ({
      ...bootstrapOf("node", { workers: [1], services: ["node"] })(transport),
      maxQueuedBytes: MAX_QUEUED,
    }),
  );
  // Worker 1, with the token, says $leaving 400,000 times (10 MB) and reads nothing.
  const conn = await manager.dialChild(1, "s0.sock");
  try {
    const leaving = frame(new TextEncoder().encode(JSON.stringify({ action: "$leaving" })));
    const burst = new Uint8Array(leaving.length * 10_000);
    for (let i = 0; i < 10_000; i++) burst.set(leaving, i * leaving.length);
    for (let round = 0; round < 40; round++) {
      for (let at = 0; at < burst.length;) at += await conn.write(burst.subarray(at));
    }
    // Past maxQueuedBytes and a frame (the bootstrap's maxFrameSize, 1 MiB), once.
    const report = await manager.nextMessage();
    assert.equal(report.action, "reported");
    const { name, message } = report.data as { name: string; message: string };
    assert.equal(name, "QueueFullError");
    assert.match(
      message,
      /^Cannot send "\$left" to worker 1: \d+ bytes are queued for it already, and the limit is 3145732 \(maxQueuedBytes and a frame\): it sends and does not read/,
    );
    manager.send({ action: "countRequest", messageId: "count" });
    assert.deepEqual(await manager.dataOf("count", 1), [1]);
  } finally {
    conn.close();
  }
});

Deno.test("a Node peer's messages held for a sibling's next process stay within maxQueuedBytes", async () => {
  // Worker 1 is being replaced, and no process of it listens: what is sent to it is held in the
  // sender for its next process.
  await using manager = await floodingWhileReplacing();
  manager.send({
    action: "floodRequest",
    messageId: "flood",
    data: { to: 1, count: COUNT, size: SIZE, ask: false },
  });
  const [outcome] = await manager.dataOf("flood", 1) as [
    { sent: number; refusal: { name: string; message: string } | null },
  ];
  assert.equal(outcome.refusal?.name, "QueueFullError", `${outcome.sent} held`);
  assert.match(
    outcome.refusal.message,
    /^Cannot send "blob" to worker 1: \d+ bytes are queued for it already, and the limit is 2097152 \(maxQueuedBytes\); await drain\(\) first$/,
  );
  // What is held counts as it would queue: each a frame of a little over SIZE bytes.
  assert.ok(outcome.sent * (SIZE + 4) <= MAX_QUEUED, `${outcome.sent} held`);
  assert.ok((outcome.sent + 2) * (SIZE + 4) > MAX_QUEUED, `${outcome.sent} held`);
});

Deno.test("a Node peer's drain() waits for what it holds for a sibling's next process", async () => {
  await using manager = await floodingWhileReplacing();
  // 20 of 64 KiB held for worker 1's next process: over the bootstrap's 1 MiB highWaterMark.
  manager.send({
    action: "holdRequest",
    messageId: "hold",
    data: { to: 1, count: 20, size: SIZE },
  });
  assert.deepEqual(await manager.dataOf("hold", 1), [20]);
  manager.send({ action: "drainedRequest", messageId: "early", data: { wait: false } });
  assert.deepEqual(await manager.dataOf("early", 1), [false]);
  // No next process will come: what was held is dropped, and drain() resolves.
  manager.send({ action: "$event", data: { type: "fatal", address: 1 } });
  manager.send({ action: "drainedRequest", messageId: "late", data: { wait: true } });
  assert.deepEqual(await manager.dataOf("late", 1), [true]);
});

Deno.test("a Node peer's request sent again to a sibling's next process is refused past maxQueuedBytes, as Switchboard's is", async () => {
  await using manager = await floodingWhileReplacing();
  // A request of 900 KiB waits for worker 1's next process behind 2 MiB held for it.
  manager.send({
    action: "holdAndAskRequest",
    messageId: "hold",
    data: { to: 1, size: SIZE, askSize: 900 * 1024 },
  });
  const [held] = await manager.dataOf("hold", 1) as [{ refusal: { name: string } | null }];
  assert.equal(held.refusal?.name, "QueueFullError");
  // Its next process connects and reads nothing: what was held goes to it, and fills its queue
  // (the kernel takes some 200 KiB of it); the request would go past maxQueuedBytes.
  const conn = await manager.dialChild(1, "s0.sock");
  try {
    manager.send({ action: "$event", data: { type: "ready", address: 1 } });
    manager.send({ action: "askedRequest", messageId: "asked" });
    const [outcome] = await manager.dataOf("asked", 1) as [
      { name: string; message: string; action: string; peer: unknown } | string,
    ];
    assert.notEqual(outcome, "waiting", "the request was sent past maxQueuedBytes");
    assert.ok(typeof outcome === "object" && outcome !== null);
    assert.equal(outcome.name, "QueueFullError");
    assert.match(
      outcome.message,
      /^Cannot send "blobRequest" to worker 1: \d+ bytes are queued for it already, and the limit is 2097152 \(maxQueuedBytes\); await drain\(\) first$/,
    );
    assert.equal(outcome.action, "blobRequest");
    assert.equal(outcome.peer, 1);
  } finally {
    conn.close();
  }
});

Deno.test("a Node peer's drain() rejects a target that is not an address with a TypeError, as Switchboard's does", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { flooder: { command: ["node", FLOODING] } },
  });
  const bad = [-1, 1.5, "", null, {}, [0, -1], [true]];
  for (const to of bad) {
    const deno = await cluster.drain(to as never).then(() => null, (error) => error);
    assert.ok(deno instanceof TypeError, `Deno drain(${JSON.stringify(to)})`);
    const node = await cluster.request("drainToRequest", { to }, { to: "flooder" });
    assert.deepEqual(
      node,
      { name: "TypeError", message: deno.message },
      `Node drain(${JSON.stringify(to)})`,
    );
  }
  // An address, and a list of them, still drain.
  assert.equal(await cluster.request("drainToRequest", { to: MANAGER }, { to: "flooder" }), null);
  assert.equal(await cluster.request("drainToRequest", { to: [MANAGER] }, { to: "flooder" }), null);
});
