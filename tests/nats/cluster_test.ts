/**
 * One cluster across hosts: the API of one host, unchanged, over NATS.
 * Host "b" runs as a process of its own; this test process is host "a".
 */

import assert from "node:assert/strict";
import {
  type ClusterOptions,
  FrameError,
  type LifecycleEvent,
  managerOf,
  QueueFullError,
  UnreachableError,
} from "../../mod.ts";
import { nextEvent, Recorder, remote, waitFor } from "../helpers.ts";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { encodeEnvelopes, MESSAGE } from "../../src/nats/envelope.ts";
import {
  bThenHere,
  event,
  joinHere,
  NATS,
  natsAnswers,
  startHost,
  uniqueCluster,
} from "./hosts.ts";

const ignore = !natsAnswers;

/**
 * Host "b" (workers 0-1 and the logger), then this process as host "a"
 * (workers 2-3), started with `options`.
 */
async function twoHosts(cluster = uniqueCluster(), options: ClusterOptions = {}) {
  const b = startHost({ cluster, host: "b", workers: 2, services: ["logger"] });
  const hosts = await bThenHere(b, () => joinHere(cluster, "a", options));
  return {
    ...hosts,
    bReady: hosts.bReady as unknown as { workers: number[]; pids: Record<string, number> },
  };
}

Deno.test({
  name: "hosts joined through NATS form one cluster: unique ids, every worker reached and counted",
  ignore,
  async fn() {
    await using hosts = await twoHosts();
    const { a, bReady } = hosts;
    assert.deepEqual(bReady.workers, [0, 1], "the first host takes the lowest ids");
    assert.deepEqual(
      a.stats().children.map((child) => child.address),
      [2, 3],
      "the next, the lowest free",
    );
    assert.equal(a.workerCount, 4);
    assert.deepEqual(a.stats().hosts, [
      { host: "a", workers: [2, 3], services: [] },
      { host: "b", workers: [0, 1], services: ["logger"] },
    ], "every host, by name, and what each runs");
    const seen = new Recorder<{ by: number; from: string }>(a, "seen");
    assert.equal(a.sendMessage("test", { n: 1 }), 4, "every worker of every host");
    const reports = await seen.until((d) => d.length === 4);
    assert.deepEqual(reports.map((r) => r.by).sort(), [0, 1, 2, 3]);
    for (const report of reports) {
      assert.equal(report.from, report.by < 2 ? managerOf("a") : "manager", "msg.from");
    }
    assert.equal(a.sendMessage("test", { n: 2 }, 0), 1, "one worker on the other host");
    assert.deepEqual(
      await a.request("echoRequest", "hi", { to: 1 }),
      { data: "hi", by: 1, from: managerOf("a") },
    );
    assert.deepEqual(
      (await a.requestAll("echoRequest", "all")).map((r) =>
        "data" in r && (r.data as { by: number }).by
      ),
      [0, 1, 2, 3],
      "requestAll asks every worker of the cluster",
    );
    assert.deepEqual(
      await a.getProcess("logger").request("echoRequest", "log"),
      { data: "log", by: "logger", from: managerOf("a") },
      "a service on another host, by name",
    );
    assert.deepEqual(
      await a.request("echoRequest", "m", { to: managerOf("b") }),
      { data: "m", by: managerOf("b") },
      "the other host's manager, by its address",
    );
  },
});

Deno.test({
  name: "bytes, dates and errors cross hosts as sent, through both gateways",
  ignore,
  async fn() {
    await using hosts = await twoHosts();
    const { a } = hosts;
    const data = {
      file: new Uint8Array(256 * 1024).map((_, i) => i % 253),
      at: new Date(7),
      failure: new RangeError("far", { cause: /x/g }),
    };
    // Worker 2 (here) to worker 0 (there): relayed by a's manager, then b's.
    const outcome = await remote(a, 2, {
      op: "request",
      action: "echoRequest",
      data,
      to: 0,
    }) as { ok: { data: typeof data } };
    assert.deepStrictEqual(outcome.ok.data, data);
    assert.ok(outcome.ok.data.failure instanceof RangeError);
    assert.deepEqual(outcome.ok.data.failure.cause, /x/g);
  },
});

Deno.test({
  name: "bytes from another host reach its manager as a plain Uint8Array, in memory of its own",
  ignore,
  async fn() {
    await using hosts = await twoHosts();
    const sent = new Uint8Array(1000).map((_, i) => i % 251);
    // Worker 0 (there) echoes it: its answer comes to this manager straight from NATS.
    const answer = await hosts.a.request("echoRequest", { sent }, { to: 0 }) as {
      data: { sent: Uint8Array };
    };
    const bytes = answer.data.sent;
    assert.deepStrictEqual(bytes, sent);
    assert.equal(Object.getPrototypeOf(bytes), Uint8Array.prototype, "not a Node Buffer");
    assert.equal(bytes.byteOffset, 0);
    assert.equal(bytes.buffer.byteLength, sent.length, "no other message's bytes behind it");
  },
});

Deno.test({
  name: "workers reach workers, services and managers of other hosts, and are answered",
  ignore,
  async fn() {
    await using hosts = await twoHosts();
    const { a } = hosts;
    // From worker 2 (here) to worker 0 (there), and back.
    assert.deepEqual(
      await remote(a, 2, { op: "request", action: "echoRequest", data: "w", to: 0 }),
      { ok: { data: "w", by: 0, from: 2 } },
    );
    // From worker 0 (there) to worker 3 (here): the order goes through b's gateway too.
    assert.deepEqual(
      await remote(a, 0, { op: "request", action: "echoRequest", data: "x", to: 3 }),
      { ok: { data: "x", by: 3, from: 0 } },
    );
    // A worker here asks the other host's manager and service.
    assert.deepEqual(
      await remote(a, 3, { op: "request", action: "echoRequest", data: "m", to: managerOf("b") }),
      { ok: { data: "m", by: managerOf("b") } },
    );
    assert.deepEqual(
      await remote(a, 3, { op: "requestProcess", name: "logger", action: "echoRequest", data: 1 }),
      { ok: { data: 1, by: "logger", from: 3 } },
    );
    // A worker broadcasts to every worker of the cluster.
    assert.deepEqual(await remote(a, 2, { op: "send", action: "test", data: {} }), { ok: 4 });
    // Unknown addresses count 0 and fail at once, as on one host.
    assert.deepEqual(await remote(a, 2, { op: "send", action: "test", to: 9 }), { ok: 0 });
  },
});

Deno.test({
  name: "lifecycle events cross hosts: a child's exit and restart there is heard here",
  ignore,
  async fn() {
    await using hosts = await twoHosts();
    const { a, bReady } = hosts;
    const exit = event(a, "exit", 1);
    const back = event(a, "ready", 1);
    Deno.kill(bReady.pids["1"], "SIGKILL");
    assert.equal((await exit).type, "exit");
    await back;
    // And every child here heard them too.
    const outcome = await remote(a, 2, { op: "events" });
    assert.ok("ok" in outcome);
    const types = (outcome.ok as LifecycleEvent[])
      .filter((e) => e.address === 1).map((e) => e.type);
    assert.deepEqual(types.slice(0, 1), ["exit"]);
  },
});

Deno.test({
  name: "a host that leaves frees its ids, and requests to its processes reject at once",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using b = startHost({ cluster, host: "b", workers: 2 });
    await b.ready();
    await using a = await joinHere(cluster, "a");
    const left = event(a, "hostLeft", managerOf("b"));
    // Rejected as b goes, whichever comes first: its worker or b itself.
    const pending = assert.rejects(
      a.request("silentRequest", {}, { to: 0, timeout: 60_000 }),
      UnreachableError,
    );
    b.process.kill("SIGTERM");
    await left;
    await pending;
    assert.equal(a.workerCount, 2);
    assert.equal(a.sendMessage("test", {}, 0), 0, "gone: not counted");
    await b.finished();
    // A host joining now takes the lowest free ids: b's.
    await using c = startHost({ cluster, host: "c", workers: 2 });
    const joined = event(a, "hostJoined", managerOf("c"));
    assert.deepEqual((await c.ready() as unknown as { workers: number[] }).workers, [0, 1]);
    await joined;
    assert.equal(a.workerCount, 4);
    c.process.kill("SIGTERM");
    await c.finished();
  },
});

Deno.test({
  name: "a message over NATS max_payload is refused at the sender, naming the limit",
  ignore,
  async fn() {
    await using hosts = await twoHosts();
    const { a } = hosts;
    const big = "x".repeat(2 * 1024 * 1024);
    assert.throws(
      () => a.sendMessage("test", big, 0),
      (error: unknown) =>
        error instanceof FrameError &&
        /^Cannot send "test" to worker 0: the message is over the \d+-byte limit of the transport to it \(NATS max_payload, less the envelope\)$/
          .test(error.message),
    );
    // From a worker, refused at that worker.
    const outcome = await remote(a, 2, { op: "sendBytes", bytes: 2 * 1024 * 1024, to: 0 });
    assert.ok("error" in outcome && outcome.error.name === "FrameError", JSON.stringify(outcome));
    assert.match(outcome.error.message, /\(NATS max_payload, less the envelope\)$/);
    assert.equal(a.sendMessage("test", "small", 0), 1, "the way stays open");
  },
});

Deno.test({
  name: "a message to several, too large for another host, is refused before any is sent",
  ignore,
  async fn() {
    await using hosts = await twoHosts();
    const { a } = hosts;
    const seen = new Recorder<{ by: number; data: unknown }>(a, "seen");
    // Workers 2 and 3 are here, 0 and 1 on host b: the first to refuse it is worker 0.
    assert.throws(
      () => a.sendMessage("test", "x".repeat(2 * 1024 * 1024), [2, 3, 0, 1]),
      (error: unknown) => error instanceof FrameError && error.peer === 0,
    );
    assert.equal(a.sendMessage("test", "small"), 4);
    const reports = await seen.until((all) => all.length === 4);
    assert.deepEqual(reports.map(({ data }) => data), ["small", "small", "small", "small"]);
  },
});

Deno.test({
  name:
    "a message to several processes of another host that share its window is refused before any is sent",
  ignore,
  async fn() {
    // The window to a host is at most maxQueuedBytes: room for one 900 KB message, not two.
    const limits = { maxFrameSize: 1024 * 1024, maxQueuedBytes: 1536 * 1024 };
    await using hosts = await twoHosts(undefined, limits);
    const { a } = hosts;
    const seen = new Recorder<{ by: number; data: unknown }>(a, "seen");
    assert.throws(
      () => a.sendMessage("test", "x".repeat(900 * 1024), [0, 1]),
      (error: unknown) => error instanceof QueueFullError && error.peer === 1,
    );
    assert.equal(a.sendMessage("test", "small", [0, 1]), 2);
    const reports = await seen.until((all) => all.length === 2);
    assert.deepEqual(reports.map(({ data }) => data), ["small", "small"]);
  },
});

Deno.test({
  name: "a worker's message to several of another host, through its manager, is all or none",
  ignore,
  async fn() {
    // Worker 2's way to host b is its connection to its manager: room for
    // two of these framed (4 bytes each more), not two in relay frames
    // (3 bytes each more again), which is how they go.
    const limits = { maxFrameSize: 16_000, maxQueuedBytes: 20_000 };
    await using hosts = await twoHosts(undefined, limits);
    const { a } = hosts;
    const tick = (n: number, pad: number) => ({
      op: "send",
      action: "tick",
      data: { n, pad: "x".repeat(pad) },
      to: [0, 1],
    });
    const empty = JSON.stringify({ action: "tick", data: { n: 1, pad: "" } }).length;
    const refused = await remote(a, 2, tick(1, 9_995 - empty));
    assert.ok(
      "error" in refused && refused.error.name === "QueueFullError",
      JSON.stringify(refused),
    );
    assert.deepEqual(await remote(a, 2, tick(2, 10)), { ok: 2 });
    for (const worker of [0, 1]) {
      assert.deepEqual(
        await a.request("ticksRequest", {}, { to: worker }),
        [2],
        `worker ${worker}`,
      );
    }
  },
});

Deno.test({
  name:
    "a host cut off while its worker ids went to another leaves, and the others' view stays whole",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using hosts = await twoHosts(cluster);
    const { a, b } = hosts;
    const errors: Error[] = [];
    a.onError((error) => errors.push(error));
    // b stops (a pause, a partition) and its keys go, as they would expire.
    b.process.kill("SIGSTOP");
    const nc = await connect({ servers: NATS });
    try {
      const kv = await new Kvm(nc).open(`switchboard_${cluster}`);
      const left = event(a, "hostLeft", managerOf("b"));
      for (const key of ["w.0", "w.1", "h.b"]) await kv.delete(key);
      await left;
    } finally {
      await nc.close();
    }
    // c takes b's worker ids; b comes back claiming them.
    await using c = startHost({ cluster, host: "c", workers: 2 });
    assert.deepEqual((await c.ready() as unknown as { workers: number[] }).workers, [0, 1]);
    b.process.kill("SIGCONT");
    // b leaves rather than claim them twice, and says why.
    await b.next(
      "error",
      (message) => /^Host "b" lost worker [01] to another host/.test(String(message)),
    );
    // The others still follow the cluster.
    await using d = startHost({ cluster, host: "d", workers: 1 });
    const joined = event(a, "hostJoined", managerOf("d"));
    await d.ready();
    await joined;
    assert.equal(a.workerCount, 5, "a's 2, c's 2 and d's 1");
    assert.deepEqual(errors.filter((error) => error instanceof TypeError), []);
    assert.equal(
      await a.request("echoRequest", "x", { to: 0 }).then(() => "c answers"),
      "c answers",
    );
  },
});

Deno.test({
  name: "a host that drops out and comes back within seconds loses nothing and reports no loss",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using hosts = await twoHosts(cluster);
    const { a, b } = hosts;
    const errors: string[] = [];
    a.onError((error) => errors.push(error.message));
    // Traffic both ways first: each side has counted messages from the other.
    const bothWays = async (n: number) => {
      for (const worker of [0, 1]) {
        assert.deepEqual(await a.request("echoRequest", n, { to: worker }), {
          data: n,
          by: worker,
          from: managerOf("a"),
        });
      }
      assert.deepEqual(
        await remote(a, 0, { op: "request", action: "echoRequest", data: n, to: 2 }),
        { ok: { data: n, by: 2, from: 0 } },
      );
    };
    await bothWays(1);
    // b pauses and its keys go, as they would expire; then it comes back.
    b.process.kill("SIGSTOP");
    const nc = await connect({ servers: NATS });
    try {
      const kv = await new Kvm(nc).open(`switchboard_${cluster}`);
      const left = event(a, "hostLeft", managerOf("b"));
      for (const key of ["w.0", "w.1", "s.logger", "h.b"]) await kv.delete(key);
      await left;
    } finally {
      await nc.close();
    }
    const joined = event(a, "hostJoined", managerOf("b"));
    b.process.kill("SIGCONT");
    await joined;
    // Every request gets through the first time, and neither side counts a
    // loss: b's manager has read a's requests by the time it answers this.
    await bothWays(2);
    const bErrors = await a.request("errorsRequest", {}, { to: managerOf("b") }) as string[];
    assert.deepEqual([...errors, ...bErrors].filter((e) => e.includes("lost")), []);
  },
});

Deno.test({
  name:
    "service and host names are unique across the cluster: a second host with the same one cannot join",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using b = startHost({ cluster, host: "b", workers: 1, services: ["logger"] });
    await b.ready();
    await assert.rejects(
      joinHere(cluster, "a", {
        processes: { logger: new URL("../fixtures/host_worker.ts", import.meta.url) },
      }),
      {
        name: "SwitchboardError",
        message: `Cannot join cluster "${cluster}": service "logger" runs on host "b" already`,
      },
    );
    // Nor can a second host of the same name.
    await assert.rejects(
      joinHere(cluster, "b"),
      {
        name: "SwitchboardError",
        message: `Cannot join cluster "${cluster}": host "b" is in it already`,
      },
    );
    b.process.kill("SIGTERM");
    await waitFor(b.finished(), "host b to stop");
  },
});

Deno.test({
  name:
    "a host started again at once under its name, as systemd restarts one that crashed, joins once its predecessor's keys lapse",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    const b = startHost({ cluster, host: "b", workers: 2, services: ["logger"] });
    await b.ready();
    b.process.kill("SIGKILL");
    await waitFor(b.finished(), "host b to end");
    // Its keys are there until they lapse: the name, the logger's and ids 0-1.
    await using again = await joinHere(cluster, "b", {
      processes: { logger: new URL("../fixtures/host_worker.ts", import.meta.url) },
    });
    assert.deepEqual(again.stats().children.map((child) => child.address).sort(), [0, 1, "logger"]);
    assert.deepEqual(await remote(again, 0, { op: "produced" }), { ok: 0 }, "worker 0 answers");
  },
});

Deno.test({
  name:
    "bytes on a host's subject that are not envelopes, or that lie about their sender, are reported and change nothing",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using hosts = await twoHosts(cluster);
    const { a } = hosts;
    const errors: Error[] = [];
    const threeErrors = nextEvent<Error>(
      (listener) => a.onError(listener),
      "three errors reported",
      (error) => errors.push(error) === 3,
    );
    const seen = new Recorder<{ by: number }>(a, "seen");
    const nc = await connect({ servers: NATS });
    try {
      const subject = `switchboard.${cluster}.a`;
      nc.publish(subject, crypto.getRandomValues(new Uint8Array(200)));
      nc.publish(subject, new Uint8Array([0, 0, 0, 9, MESSAGE]));
      // Host "b" claiming to send as worker 2, which runs here, on host "a".
      const body = new TextEncoder().encode(JSON.stringify({ action: "test", data: {} }));
      nc.publish(
        subject,
        encodeEnvelopes([{ kind: MESSAGE, host: "b", epoch: 1, seq: 0, from: 2, to: 3, body }]),
      );
      await nc.flush();
    } finally {
      await nc.close();
    }
    await threeErrors;
    assert.ok(errors.every((error) => error instanceof FrameError), String(errors));
    assert.match(errors[2].message, /host "b": it may not send as 2/);
    // The way between the hosts is as it was.
    assert.equal(a.sendMessage("test", {}, 0), 1);
    assert.deepEqual((await seen.until((d) => d.length === 1)).map((r) => r.by), [0]);
    assert.deepEqual(await a.request("echoRequest", 1, { to: 1 }), {
      data: 1,
      by: 1,
      from: managerOf("a"),
    });
  },
});

Deno.test({
  name: "three hosts joining at once take distinct ids, the lowest free, and all count them",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using b = startHost({ cluster, host: "b", workers: 2 });
    await using c = startHost({ cluster, host: "c", workers: 2 });
    const [here, bReady, cReady] = await Promise.all([
      joinHere(cluster, "a"),
      b.ready() as unknown as Promise<{ workers: number[] }>,
      c.ready() as unknown as Promise<{ workers: number[] }>,
    ]);
    await using a = here;
    const ids = [...a.stats().children.map((child) => child.address as number)];
    const all = [...ids, ...bReady.workers, ...cReady.workers].sort((x, y) => x - y);
    assert.deepEqual(all, [0, 1, 2, 3, 4, 5], `a ${ids}, b ${bReady.workers}, c ${cReady.workers}`);
    if (a.workerCount < 6) {
      // b or c joined after a started: a hears it as they join.
      const heard: string[] = [];
      const six = Promise.withResolvers<void>();
      const off = a.onLifecycle((event) => {
        heard.push(`${event.type} ${String(event.address)}`);
        if (a.workerCount === 6) six.resolve();
      });
      await waitFor(
        six.promise,
        () => `six workers at host a; heard ${heard}, counts ${a.workerCount}`,
      )
        .finally(off);
    }
    const seen = new Recorder<{ by: number }>(a, "seen");
    assert.equal(a.sendMessage("test", {}), 6, "every worker of the three hosts");
    assert.deepEqual(
      (await seen.until((d) => d.length === 6)).map((r) => r.by).sort(),
      [0, 1, 2, 3, 4, 5],
    );
  },
});

Deno.test({
  name:
    "traffic between processes of one host stays on its sockets; only traffic to another host crosses NATS",
  ignore,
  async fn() {
    await using hosts = await twoHosts();
    const { a } = hosts;
    /** Messages this host's manager sent to and received from host b, over NATS. */
    const overNats = () =>
      a.stats().connections.filter((c) => c.peer === managerOf("b"))
        .reduce((sum, c) => sum + c.messagesIn + c.messagesOut, 0);
    const before = overNats();
    assert.ok("ok" in await remote(a, 2, { op: "requests", to: 3, count: 100 }));
    for (let n = 0; n < 20; n++) await a.request("echoRequest", n, { to: 3 });
    assert.equal(overNats(), before, "worker 2 → worker 3 and manager → worker 3, all on host a");
    assert.ok("ok" in await remote(a, 2, { op: "requests", to: 0, count: 10 }));
    assert.equal(overNats(), before + 20, "worker 2 → worker 0 on host b: 10 requests, 10 answers");
  },
});
