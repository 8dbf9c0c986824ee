/**
 * A host that stops while the cluster goes on loses nothing in silence:
 * what its children took is answered before they exit, and what comes for
 * them once they are told to exit is refused where its sender sees it; so
 * is what other hosts ask its manager, answered before its bye or refused
 * by it.
 */

import assert from "node:assert/strict";
import type { Cluster } from "../../mod.ts";
import { requestsThrough, type Settlements } from "../fixtures/load.ts";
import { remote, waitFor } from "../helpers.ts";
import {
  bThenHere,
  event,
  joinHere,
  knowsWorkers,
  natsAnswers,
  startHost,
  uniqueCluster,
} from "./hosts.ts";

const ignore = !natsAnswers;

/**
 * Host b with two workers and host a, with none, joined to it; worker 1
 * holds a request from host a, so host b's children are not told to exit
 * until "release" reaches it.
 */
async function withWorker1Holding() {
  const hosts = new AsyncDisposableStack();
  try {
    const cluster = uniqueCluster();
    const b = hosts.use(startHost({ cluster, host: "b", workers: 2 }));
    await b.ready();
    const a = hosts.use(await joinHere(cluster, "a", { workers: 0 }));
    await knowsWorkers(a, 2);
    const held = a.request("holdRequest", null, { to: 1, timeout: 20_000 });
    await a.request("echoRequest", null, { to: 1 });
    return { a, b, held, [Symbol.asyncDispose]: () => hosts.disposeAsync() };
  } catch (error) {
    await hosts.disposeAsync();
    throw error;
  }
}

Deno.test({
  name:
    "as a host stops, a request its worker took after its stop work is answered before it exits",
  ignore,
  async fn() {
    await using hosts = await withWorker1Holding();
    const { a, b, held } = hosts;
    b.process.kill("SIGTERM");
    await b.next("stopping", (by) => by === 0);
    // Taken after worker 0's stop work, and still running when it is told to exit.
    const slow = a.request("slowRequest", { ms: 1000 }, { to: 0, timeout: 20_000 });
    a.sendMessage("release", null, 1);
    assert.equal(await waitFor(held, "worker 1's answer"), "released");
    assert.deepEqual(await waitFor(slow, "worker 0's answer"), { by: 0 });
    await b.finished();
  },
});

Deno.test({
  name:
    "as a host stops, every message another host sends its worker is handled or reported to its sender",
  ignore,
  fn: () => messagesThroughStop({ crash: false }),
});

Deno.test({
  name:
    "as a host stops, a worker that crashes in its stop work leaves every message another host sent it handled or reported",
  ignore,
  fn: () => messagesThroughStop({ crash: true }),
});

/**
 * Host "a" (this process) sends worker 0 of host "b" one message a task,
 * as fast as it goes, until host b has left, stopping b with SIGTERM after
 * 100 (worker 0 crashing in its stop work, with `crash`): each message
 * `sendMessage` counted must be handled, or its refusal reported to host a.
 */
async function messagesThroughStop({ crash }: { crash: boolean }): Promise<void> {
  const cluster = uniqueCluster();
  await using b = startHost({ cluster, host: "b", workers: 1 });
  await b.ready();
  await using a = await joinHere(cluster, "a", { workers: 0 });
  await knowsWorkers(a, 1);
  if (crash) a.sendMessage("crashInStopWork", null, 0);
  const reported: string[] = [];
  a.onError((error) => reported.push(error.message));
  const left = event(a, "hostLeft", "manager@b");
  let gone = false;
  left.then(() => gone = true, () => {});
  let sent = 0;
  const sending = (async () => {
    // One message a task until host b has left: as fast as it goes, with room for the rest.
    for (let n = 0; !gone; n++) {
      sent += a.sendMessage("loggedTick", n, 0);
      if (n === 100) b.process.kill("SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  })();
  await waitFor(left, "host b to leave");
  await sending;
  await b.finished();
  if (crash) assert.match(b.stderr, /Error: 0 crashed on purpose/, "worker 0 crashed");
  const handled = new Set(b.all("loggedTick"));
  const refused = reported.map((message) => {
    const one =
      /^(A message|Message "loggedTick") from the manager of host "a" to worker 0 (was not|may not have been) delivered/;
    // "may not have been": what the crashed worker never said it read.
    const many =
      /^(\d+) messages from the manager of host "a" to worker 0 (were not|may not have been) delivered/;
    return one.test(message) ? 1 : Number(many.exec(message)?.[1] ?? NaN);
  });
  assert.ok(refused.every(Number.isInteger), `only refusals reported: ${reported}`);
  assert.ok(sent > 100, `sent ${sent}`);
  assert.equal(
    handled.size + refused.reduce((sum, count) => sum + count, 0),
    sent,
    `${sent} sent, ${handled.size} handled, refused: ${reported}`,
  );
}

/** Parts of each stream of the relay below: more than a window, so credits must pass. */
const PARTS = 40;

/**
 * A `countStream` of {@linkcode PARTS} parts from worker `to`: the first
 * part is taken as it comes, the rest once `rest` resolves (until then its
 * handler, a window ahead, waits for credit: it runs on). Resolves with how
 * many parts came, and the error that ended it, if one did.
 */
async function follow(
  cluster: Cluster,
  to: number,
  rest: Promise<void>,
): Promise<{ parts: number; error?: string }> {
  let parts = 0;
  try {
    for await (const _ of cluster.requestStream("countStream", { count: PARTS }, { to })) {
      if (++parts === 1) await rest;
    }
    return { parts };
  } catch (error) {
    return { parts, error: (error as Error).message };
  }
}

Deno.test({
  name:
    "as a host stops under a steady load of streamed requests, each one its worker began ends whole",
  ignore,
  async fn() {
    await using hosts = await withWorker1Holding();
    const { a, b, held } = hosts;
    const left = event(a, "hostLeft", "manager@b");
    let gone = false;
    left.then(() => gone = true, () => {});
    let stopWorkBegan = false;
    const outcomes: { parts: number; error?: string; duringStop: boolean }[] = [];
    let previous:
      | { outcome: Promise<{ parts: number; error?: string }>; go: () => void; duringStop: boolean }
      | undefined;
    for (let n = 0; !gone; n++) {
      if (n === 3) {
        b.process.kill("SIGTERM");
        await b.next("stopping", (by) => by === 0);
        stopWorkBegan = true;
      }
      if (n === 8) a.sendMessage("release", null, 1);
      // In relay: each stream is asked for before the one before it may go
      // on, so worker 0 begins it before that one can end, and always runs
      // one, through its stop work and after, until it is told to exit.
      const rest = Promise.withResolvers<void>();
      const next = {
        outcome: follow(a, 0, rest.promise),
        go: rest.resolve,
        duringStop: stopWorkBegan,
      };
      if (previous) {
        previous.go();
        const ended = await waitFor(previous.outcome, "a stream to end");
        outcomes.push({ ...ended, duringStop: previous.duringStop });
      }
      previous = next;
    }
    previous!.go();
    const last = await waitFor(previous!.outcome, "the last stream to end");
    outcomes.push({ ...last, duringStop: previous!.duringStop });
    assert.equal(await waitFor(held, "worker 1's answer"), "released");
    await b.finished();
    const cut = outcomes.filter(({ parts, error }) =>
      error !== undefined &&
      (parts > 0 ||
        !/stopped, and no new process replaced it|its host left the cluster/.test(error))
    );
    assert.deepEqual(cut, [], "ended whole, or refused before any of it ran");
    assert.ok(
      outcomes.some(({ parts, duringStop }) => duringStop && parts === PARTS),
      `some began during the stop work and ended whole: ${JSON.stringify(outcomes)}`,
    );
  },
});

Deno.test({
  name:
    "as a host stops, requests its manager is still answering for another host are answered before it leaves",
  ignore,
  async fn() {
    await using hosts = await bWithoutWorkers();
    const { a, b } = hosts;
    // One from host a's manager, one from its worker; each runs a second,
    // and host b's own stop takes a few ms (it has no children).
    const fromManager = a.request("slowRequest", { ms: 1000, by: "manager" }, {
      to: "manager@b",
      timeout: 20_000,
    });
    const fromWorker = remote(a, 0, {
      op: "request",
      action: "slowRequest",
      data: { ms: 1000, by: "worker" },
      to: "manager@b",
      timeout: 20_000,
    });
    // And one that host b's manager answers with what it asks host a's worker, which takes a second.
    const forwarded = a.request(
      "forwardRequest",
      { to: 0, action: "slowRequest", data: { ms: 1000 } },
      { to: "manager@b", timeout: 20_000 },
    );
    for (const by of ["manager", "worker"]) {
      await b.next("slowRequest", (data) => (data as { by: string }).by === by);
    }
    await b.next("forwardRequest");
    b.process.kill("SIGTERM");
    assert.deepEqual(await waitFor(fromManager, "the answer to host a's manager"), {
      by: "manager@b",
    });
    assert.deepEqual(await waitFor(fromWorker, "the answer to host a's worker"), {
      ok: { by: "manager@b" },
    });
    assert.deepEqual(await waitFor(forwarded, "the answer forwarded"), { by: 0 });
    await b.finished();
  },
});

Deno.test({
  name:
    "as a host stops, every request another host's manager and worker send its manager is answered or refused naming the host",
  ignore,
  async fn() {
    await using hosts = await bWithoutWorkers();
    const { a, b } = hosts;
    // Host a's worker and its manager each send 20 a task until host b has left.
    const fromWorker = remote(a, 0, {
      op: "requestsUntilLeft",
      action: "countedRequest",
      to: "manager@b",
      perTask: 20,
      host: "b",
    }) as Promise<{ ok: Settlements }>;
    const fromManager = requestsThrough(
      a,
      "countedRequest",
      "manager@b",
      20,
      event(a, "hostLeft", "manager@b"),
    );
    for (const from of [0, "manager@a"]) {
      await b.next("countedRequest", (data) => (data as { from: unknown }).from === from);
    }
    b.process.kill("SIGTERM");
    // Within the wait, far below their 30 s timeout: none is left pending.
    const settled = new Map<unknown, Settlements>([
      [0, (await waitFor(fromWorker, "every request of host a's worker to settle")).ok],
      ["manager@a", await waitFor(fromManager, "every request of host a's manager to settle")],
    ]);
    await b.finished();
    for (const [from, { sent, answered, failed }] of settled) {
      const handled = b.all("countedRequest")
        .filter((data) => (data as { from: unknown }).from === from)
        .map((data) => (data as { n: number }).n);
      const lost = failed.filter(({ n }) => handled.includes(n));
      assert.deepEqual(summary(lost), {}, `${from}: handled by host b, and failed`);
      assert.equal(answered.length, handled.length, `${from}: answered only what b handled`);
      assert.equal(answered.length + failed.length, sent, `${from}: every request settled`);
      // Refused as unreachable once b has said bye, or by b as it stops (`ClosedError`).
      const misleading = failed.filter(({ name, message }) =>
        !["UnreachableError", "ClosedError"].includes(name) || !message.includes(`host "b"`)
      );
      assert.deepEqual(summary(misleading), {}, `${from}: refused, naming host b`);
    }
  },
});

Deno.test({
  name: "once its children are gone, a stopping host's manager refuses new requests where " +
    "their senders see it, and answers those it took, streams included, while it still reads",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using b = await joinHere(cluster, "b", { workers: 0, stopTimeout: 20_000 });
    await using a = await joinHere(cluster, "a", { workers: 0 });
    await a.request("echoRequest", null, { to: "manager@b" }).catch(() => {});
    b.handle("echoRequest", (data) => data);
    const held = Promise.withResolvers<string>();
    b.handle("holdRequest", () => held.promise);
    // A stream longer than one window of parts: it needs a's credit as b stops.
    b.handle("partsRequest", async function* () {
      for (let n = 0; n < 60; n++) yield n;
    });
    const hold = a.request("holdRequest", null, { to: "manager@b", timeout: 20_000 });
    const parts: number[] = [];
    const stream = a.requestStream("partsRequest", null, { to: "manager@b", timeout: 20_000 });
    const iterator = stream[Symbol.asyncIterator]();
    parts.push((await iterator.next()).value as number);
    const stopped = b.stop();
    // The held request keeps b in its last phase: a request that comes now is refused.
    const refused = (async () => {
      while (true) {
        const outcome = await a.request("echoRequest", 1, { to: "manager@b" }).then(
          () => undefined,
          (error: Error) => error,
        );
        if (outcome !== undefined) return outcome;
      }
    })();
    const error = await waitFor(refused, "a request to be refused by the stopping manager");
    assert.equal(error.name, "ClosedError");
    assert.equal(
      error.message,
      'Request "echoRequest" to the manager of host "b" was refused: the manager of host "b" is stopping',
    );
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      parts.push(next.value as number);
    }
    assert.deepEqual(parts, Array.from({ length: 60 }, (_, n) => n), "the stream it took, whole");
    held.resolve("released");
    assert.equal(await hold, "released", "the request it took, answered");
    await waitFor(stopped, "host b to stop");
  },
});

Deno.test({
  name: "a host's manager stops without waiting out stopTimeout while another host keeps " +
    "sending it messages that its handlers take",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using b = await joinHere(cluster, "b", { workers: 0, stopTimeout: 60_000 });
    await using a = await joinHere(cluster, "a", { workers: 0 });
    await a.request("echoRequest", null, { to: "manager@b" }).catch(() => {});
    const ticked = Promise.withResolvers<void>();
    // Each takes longer than the ticks are apart: some are always running.
    b.handle("tick", async () => {
      ticked.resolve();
      await new Promise((resolve) => setTimeout(resolve, 30));
    });
    let sending = true;
    const sent = (async () => {
      // A steady stream, each tick a handler on b, until b has stopped.
      while (sending) {
        a.sendMessage("tick", null, "manager@b");
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await waitFor(ticked.promise, "b to handle a tick");
    // Far below stopTimeout: b waits for the handlers it has, not for traffic to end.
    await waitFor(b.stop(), "host b to stop under steady traffic");
    sending = false;
    await sent;
  },
});

/**
 * Host b, with no worker, as a process of its own, then host a here with
 * one; a has reached b's manager once, so that what it sends next is sent.
 */
async function bWithoutWorkers() {
  const cluster = uniqueCluster();
  const hosts = await bThenHere(
    startHost({ cluster, host: "b", workers: 0 }),
    () => joinHere(cluster, "a", { workers: 1 }),
  );
  await hosts.a.request("echoRequest", null, { to: "manager@b" });
  return hosts;
}

/** Failed requests counted by their error's name and message. */
function summary(failed: { name: string; message: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { name, message } of failed) {
    const key = `${name}: ${message}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
