/**
 * Host "a"'s gateway on a real NATS link over a fake connection, its worker
 * 0 a real child with a router; host "b" has worker 1. What worker 0 asks
 * of worker 1 or answers it when the link refuses part of the exchange, or
 * worker 1 ends, settles at once: never a stream with a gap that looks
 * whole, never a wait for a timeout (each case, from an outside review,
 * failed before its fix).
 */

import assert from "node:assert/strict";
import { MANAGER } from "../../src/address.ts";
import { GatewayHost } from "../../src/gateway_host.ts";
import { Layout } from "../../src/layout.ts";
import { bounceBody, endedBody } from "../../src/nats/bodies.ts";
import { BOUNCE, encodeEnvelopes, ENDED, type Envelope, MESSAGE } from "../../src/nats/envelope.ts";
import { nextTask } from "../../src/next_task.ts";
import { Router } from "../../src/router.ts";
import { UnixHost } from "../../src/unix/host.ts";
import { openUnixEndpoint } from "../../src/unix/transport.ts";
import { waitFor } from "../helpers.ts";
import { envelopesIn, fakeLink } from "./fake_link.ts";

/** Host "a" with a window of `window` bytes to host "b", and worker 0's router. */
async function hostA(window: number, childFrames = 1 << 20) {
  const nats = fakeLink(window);
  const unix = await UnixHost.create({
    workers: [0],
    services: [],
    gateway: { maxPayload: 90_000, limit: "NATS max_payload" },
  });
  const reports: Error[] = [];
  const options = { maxPayload: childFrames, report: (error: Error) => void reports.push(error) };
  const manager = await new GatewayHost(unix, nats.link).open(MANAGER, options);
  const routerOf = (endpoint: typeof manager, layout: Layout) =>
    new Router({
      endpoint,
      layout,
      maxFrameSize: childFrames,
      requestTimeout: 60_000,
      highWaterMark: 1 << 20,
      maxQueuedBytes: 1 << 26,
    });
  routerOf(manager, new Layout([0, 1], [], ["manager@b"])).ready();
  const child = await openUnixEndpoint(unix.childConfig, 0, options);
  const worker0 = routerOf(child, new Layout([0, 1], [], ["manager@a", "manager@b"]));
  worker0.ready();
  /** What worker 0 sent worker 1, read, as it is published. */
  const sent = (is: (body: Record<string, unknown>) => boolean) =>
    nats.publishedWhere((envelope) =>
      envelope.kind === MESSAGE && envelope.from === 0 && is(bodyOf(envelope))
    );
  return {
    nats,
    worker0,
    reports,
    sent,
    async [Symbol.asyncDispose]() {
      await worker0.close();
      child.close();
      await child.closed;
      manager.close();
      await manager.closed;
      await unix.close();
    },
  };
}

function bodyOf(envelope: Envelope): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(envelope.body));
}

/** An envelope from host "b" (epoch 5): a message from worker 1 to worker 0, numbered `seq`. */
function fromB(seq: number, message: unknown): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(message));
  return encodeEnvelopes([{ kind: MESSAGE, host: "b", epoch: 5, seq, from: 1, to: 0, body }]);
}

/** How a request or stream settles, as text. */
function settled(work: Promise<unknown>): Promise<string> {
  return work.then(() => "answered", (error: Error) => `${error.name}: ${error.message}`);
}

Deno.test("a request that reached a process of another host that crashed fails at once, though its host answered another as from the asker", async () => {
  // Worker 0's frames are small: a large request for it is refused as from it.
  await using a = await hostA(1 << 20, 2_000);
  const asked = a.sent((body) => body.action === "work");
  const r1 = settled(a.worker0.request("work", { n: 1 }, { to: 1 }));
  const first = await asked;
  const refused = a.sent((body) => body.re === true);
  a.nats.arrive(fromB(0, { action: "work", messageId: "q1", data: "x".repeat(5_000) }));
  await refused;
  // Worker 1 had worker 0's request, then crashed.
  a.nats.arrive(encodeEnvelopes([{
    kind: ENDED,
    host: "b",
    epoch: 5,
    round: first.round,
    seq: first.epoch,
    from: 1,
    to: null,
    body: endedBody("worker 1 crashed", first.seq),
  }]));
  assert.equal(
    await waitFor(r1, "the request to fail"),
    'UnreachableError: Request "work" to worker 1 failed: the connection closed before it answered',
  );
});

Deno.test("a request on its way to a process of another host that ended stays open, however many answers its host sent as from the asker before", async () => {
  await using a = await hostA(1 << 20, 2_000);
  const ended = ({ seq: had, epoch, round }: Envelope) =>
    a.nats.arrive(encodeEnvelopes([{
      kind: ENDED,
      host: "b",
      epoch: 5,
      round,
      seq: epoch,
      from: 1,
      to: null,
      body: endedBody(undefined, had),
    }]));
  // Worker 1 asks worker 0 something too large for it: answered as from worker 0.
  const refused = a.sent((body) => body.re === true);
  a.nats.arrive(fromB(0, { action: "work", messageId: "q1", data: "x".repeat(5_000) }));
  const answer = await refused;
  // Worker 1 ends (reloaded) once its host had the answer.
  ended(answer);
  // Worker 0 asks it, and it ends again before its host had the request: on its way, it stays.
  const asked = a.sent((body) => body.action === "work");
  const r1 = settled(a.worker0.request("work", { n: 1 }, { to: 1 }));
  const { messageId } = bodyOf(await asked);
  ended(answer);
  // Its next process answers it.
  a.nats.arrive(fromB(1, { action: "workResponse", messageId, re: true, data: "done" }));
  assert.equal(await waitFor(r1, "the request to be answered"), "answered");
});

/**
 * A process of another host that crashed with some of what was sent it
 * unread: its host refuses those, in doubt, then says it ended. The
 * refusal failed every request to it at once, as one that may have run,
 * those still on their way to its host included (which its host answers
 * on their own: to ANY, another worker takes them), and with the refusal
 * as cause, not why it ended. Found by trial 21 (kill -9 of a worker under
 * steady requests from another host).
 */
Deno.test("a refusal in doubt from a host whose process crashed fails nothing: its end does, keeping what was on its way", async () => {
  await using a = await hostA(1 << 20);
  const asked = a.sent((body) => body.action === "work");
  const r1 = settled(a.worker0.request("work", { n: 1 }, { to: 1 }));
  const first = await asked;
  const askedAgain = a.sent((body) =>
    body.action === "work" && body.messageId !== bodyOf(first).messageId
  );
  const r2 = settled(a.worker0.request("work", { n: 2 }, { to: 1 }));
  const second = bodyOf(await askedAgain);
  // Worker 1 had the first and crashed before it said it read it; the second is on its way.
  a.nats.arrive(encodeEnvelopes([
    {
      kind: BOUNCE,
      host: "b",
      epoch: 5,
      seq: 0,
      from: 0,
      to: 1,
      body: bounceBody("worker 1 ended before it said it had read it", { ended: true }),
    },
    {
      kind: ENDED,
      host: "b",
      epoch: 5,
      round: first.round,
      seq: first.epoch,
      from: 1,
      to: null,
      body: endedBody("worker 1 ended without closing gracefully", first.seq),
    },
  ]));
  assert.equal(
    await waitFor(r1, "the request worker 1 had to fail"),
    'UnreachableError: Request "work" to worker 1 failed: the connection closed before it answered',
  );
  // Its next process answers the one on its way.
  a.nats.arrive(
    fromB(0, { action: "workResponse", messageId: second.messageId, re: true, data: 2 }),
  );
  assert.equal(await waitFor(r2, "the request on its way to be answered"), "answered");
  // Worker 0 heard of the one in doubt, as a report.
  assert.deepEqual(a.reports.map((error) => error.message), [
    "A message from worker 0 to worker 1 may not have been delivered: worker 1 ended before it said it had read it",
  ]);
});

Deno.test("a stream part the link refuses stops the stream's handler: the consumer never sees a gap in a stream that ends", async () => {
  await using a = await hostA(300);
  const stopped = Promise.withResolvers<void>();
  const yielded: string[] = [];
  a.worker0.listeners.handle("gen", async function* (_data, msg) {
    msg.signal.addEventListener("abort", () => stopped.resolve());
    for (const part of ["p1", `p2${"z".repeat(400)}`, "p3"]) {
      yielded.push(part.slice(0, 2));
      yield part;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  });
  a.nats.arrive(fromB(0, { action: "gen", messageId: "s1", stream: 16, data: null }));
  await waitFor(stopped.promise, "the handler to stop");
  const parts = envelopesIn(a.nats.published)
    .filter((envelope) => envelope.kind === MESSAGE && envelope.from === 0)
    .map((envelope) => bodyOf(envelope).data);
  // What it yielded before it heard of the refusal goes no further.
  assert.deepEqual(parts, ["p1"], "nothing after the part refused");
});

Deno.test("what a stream's handler sends after a part the link refused, before it hears of it, goes no further", async () => {
  await using a = await hostA(300);
  const done = Promise.withResolvers<void>();
  // No pause between parts: the last and the end go before the refusal comes back.
  a.worker0.listeners.handle("gen", async function* () {
    try {
      yield "p1";
      yield `p2${"z".repeat(400)}`;
      yield "p3";
    } finally {
      done.resolve();
    }
  });
  a.nats.arrive(fromB(0, { action: "gen", messageId: "s1", stream: 16, data: null }));
  await waitFor(done.promise, "the handler to end");
  // The end goes as the handler's last part is taken, within this task.
  await nextTask();
  // Sent after the stream on the same connection: the manager has read all of it once this goes.
  a.worker0.sendMessage("mark", null, 1);
  await a.sent((body) => body.action === "mark");
  const published = envelopesIn(a.nats.published)
    .filter((envelope) => envelope.kind === MESSAGE && envelope.from === 0)
    .map((envelope) => bodyOf(envelope))
    .filter((body) => body.messageId === "s1")
    .map((body) => body.part === true ? body.data : "end");
  assert.deepEqual(published, ["p1"], "neither p3 nor the end, which would make it look whole");
});

Deno.test("a stream whose grant of more parts the link refuses fails at once, not at its part timeout", async () => {
  await using a = await hostA(330);
  // Most of the window, taken.
  a.worker0.sendMessage("note", "w".repeat(200), 1);
  const asked = a.sent((body) => body.action === "gen");
  const got: unknown[] = [];
  const stream = settled((async () => {
    for await (const part of a.worker0.requestStream("gen", null, { to: 1, timeout: 60_000 })) {
      got.push(part);
    }
  })());
  const { messageId } = bodyOf(await asked);
  // Worker 1 sends half its credit: worker 0 grants more, and the link has no room for it.
  for (let i = 0; i < 8; i++) {
    a.nats.arrive(fromB(i, { action: "genResponse", messageId, re: true, part: true, data: i }));
  }
  assert.equal(
    await waitFor(stream, "the stream to fail"),
    'UnreachableError: Streamed request "gen" to worker 1 failed: the connection closed before it ended',
  );
  assert.equal(got.length, 8);
});
