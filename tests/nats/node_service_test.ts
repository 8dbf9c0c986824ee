/**
 * The Node.js reference peer (`peers/node/`) as a service in a cluster that
 * spans hosts: this test process is host "a", with the Node service "node"
 * and worker 2; host "b" runs workers 0 and 1. The Node service and the
 * workers of b reach each other through both managers, in relay frames
 * (README "Protocol", Relay frames).
 */

import assert from "node:assert/strict";
import { type Cluster, managerOf, TimeoutError, UnreachableError } from "../../mod.ts";
import { Recorder, remote, waitFor } from "../helpers.ts";
import { bThenHere, joinHere, natsAnswers, NatsServer, startHost, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;
const NODE_SERVICE = new URL("../fixtures/node_service.mjs", import.meta.url).pathname;
const WITH_NODE = { processes: { node: { command: ["node", NODE_SERVICE] } } };

type Saw = { action: string; data: unknown; from: unknown };

/** Host "b" (workers 0 and 1) as a process of its own, then this process as host "a", with the Node service. */
function nodeOnA(options: Parameters<typeof joinHere>[2] = {}) {
  const cluster = uniqueCluster();
  const b = startHost({ cluster, host: "b", workers: 2 });
  return bThenHere(b, () => joinHere(cluster, "a", { workers: 1, ...WITH_NODE, ...options }));
}

/** Bytes and a Date, the binary encoding's and the tags' cases, of a size NATS carries. */
function binaryData(): { file: Uint8Array<ArrayBuffer>; at: Date } {
  return {
    file: new Uint8Array(256 * 1024).map((_, i) => i % 251),
    at: new Date("2026-12-04T10:00:00.123Z"),
  };
}

Deno.test({
  name: "a worker on another host sends to a Node service and requests from it, bytes included",
  ignore,
  async fn() {
    await using hosts = await nodeOnA();
    const { a } = hosts;
    const saw = new Recorder<Saw>(a, "serviceSaw");
    assert.deepEqual(
      await remote(a, 0, { op: "send", action: "log", data: [1], to: "node" }),
      { ok: 1 },
    );
    const [log] = await saw.until((d) => d.some((s) => s.action === "log"));
    assert.deepEqual(log, { action: "log", data: [1], from: 0 }, "from as the relay attests");
    assert.deepEqual(
      await remote(a, 1, { op: "request", action: "echoRequest", data: { n: 1 }, to: "node" }),
      { ok: { data: { n: 1 }, by: "node", from: 1 } },
    );
    // Bytes to it and back: b's worker 1 asks, through b's manager and a's.
    const { file, at } = binaryData();
    const digest = await remote(a, 1, {
      op: "request",
      action: "digestRequest",
      data: { file, at },
      to: "node",
    }) as { ok: { echo: Uint8Array } };
    // Worker 1's outcome comes to this manager over NATS: a plain Uint8Array all the same.
    assert.deepStrictEqual(digest.ok, {
      sha256: await sha256(file),
      length: file.length,
      isBytes: true,
      time: at.getTime(),
      echo: file.slice(0, 16),
      when: at,
    });
  },
});

Deno.test({
  name: "a Node service sends to and requests from the workers and manager of another host",
  ignore,
  async fn() {
    await using hosts = await nodeOnA();
    const { a } = hosts;
    const saw = new Recorder<Saw>(a, "serviceSaw");
    // Every worker of the cluster: 0 and 1 there, 2 here; each answers "seen" to the sender.
    assert.deepEqual(
      await remote(a, "node", { op: "send", action: "test", data: { n: 1 } }),
      { ok: 3 },
    );
    const seen = await saw.until((d) => d.filter((s) => s.action === "seen").length === 3);
    assert.deepEqual(
      seen.filter((s) => s.action === "seen").map((s) => s.from).sort(),
      [0, 1, 2],
    );
    for (const s of seen.filter((s) => s.action === "seen")) {
      assert.deepEqual(s.data, { by: s.from, data: { n: 1 }, from: "node" });
    }
    // A request there, with bytes and a Date both ways.
    const data = binaryData();
    const echoed = await remote(a, "node", {
      op: "request",
      action: "echoRequest",
      data,
      to: 0,
    }) as { ok: { data: typeof data; by: number; from: string } };
    assert.deepStrictEqual(echoed.ok, { data, by: 0, from: "node" });
    assert.ok(echoed.ok.data.file instanceof Uint8Array);
    assert.deepEqual(
      await remote(a, "node", { op: "request", action: "nobodyRequest", to: 1 }),
      {
        error: {
          name: "NoHandlerError",
          message:
            'Request "nobodyRequest" to worker 1 failed: it has no handler for "nobodyRequest"',
          action: "nobodyRequest",
          peer: 1,
        },
      },
    );
    assert.deepEqual(
      await remote(a, "node", {
        op: "request",
        action: "echoRequest",
        data: "m",
        to: managerOf("b"),
      }),
      { ok: { data: "m", by: managerOf("b") } },
    );
  },
});

Deno.test({
  name:
    "a Node service refuses a message over what its manager relays, to another host only, as a FrameError",
  ignore,
  async fn() {
    await using hosts = await nodeOnA();
    const { a } = hosts;
    // Over NATS's max_payload (1 MiB), within maxFrameSize (16 MiB).
    const big = new Uint8Array(2 * 1024 * 1024);
    const refused = await remote(a, "node", { op: "send", action: "big", data: big, to: [2, 0] });
    assert.equal((refused as { error: { name: string } }).error.name, "FrameError");
    assert.match(
      (refused as { error: { message: string } }).error.message,
      /^Cannot send "big" to worker 0: the message is \d+ bytes, over the \d+-byte limit of the transport to it \(NATS max_payload, less the envelope\)$/,
    );
    assert.ok("error" in refused);
    const { action, peer } = refused.error;
    assert.deepEqual(
      { action, peer },
      { action: "big", peer: 0 },
      "the error says which and where",
    );
    assert.deepEqual(
      await remote(a, "node", { op: "send", action: "big", data: big, to: 2 }),
      { ok: 1 },
      "to a worker of its own host, maxFrameSize is the limit",
    );
  },
});

Deno.test({
  name:
    "a Node service's request to a host that dies rejects with UnreachableError once the host drops out",
  ignore,
  async fn() {
    await using hosts = await nodeOnA();
    const { a, b } = hosts;
    const { unanswered } = await unansweredOut(a);
    Deno.kill(b.process.pid, "SIGKILL");
    assert.deepEqual(await waitFor(unanswered, "the request to fail"), {
      error: {
        name: "UnreachableError",
        message:
          'Request "silentRequest" to worker 0 failed: the connection closed before it answered',
        action: "silentRequest",
        peer: 0,
      },
    });
  },
});

Deno.test({
  name:
    "what a Node service sends beyond its host's window is refused to it: a request fails as never delivered, a message is reported",
  ignore,
  async fn() {
    await using hosts = await nodeOnA({ window: 64 * 1024 });
    const { a, b } = hosts;
    const send = () =>
      remote(a, "node", { op: "send", action: "test", data: new Uint8Array(40 * 1024), to: 0 });
    // Paused, host b confirms nothing: what the first send takes of the window stays taken.
    b.process.kill("SIGSTOP");
    try {
      assert.deepEqual(await send(), { ok: 1 });
      const refused = await remote(a, "node", {
        op: "request",
        action: "echoRequest",
        data: new Uint8Array(40 * 1024),
        to: 0,
      });
      assert.deepEqual(refused, {
        error: {
          name: "UnreachableError",
          message:
            'Request "echoRequest" to worker 0 failed: it was not delivered (host "b" cannot take it now)',
          action: "echoRequest",
          peer: 0,
        },
      });
      let { ok: errors } = await remote(a, "node", { op: "errors" }) as { ok: string[] };
      assert.deepEqual(errors, [], "told once: its request failed");
      await send();
      ({ ok: errors } = await remote(a, "node", { op: "errors" }) as { ok: string[] });
      assert.deepEqual(errors, [
        'Message "test" from service "node" to worker 0 was not delivered: host "b" cannot take it now',
      ]);
    } finally {
      b.process.kill("SIGCONT");
    }
    // What fits goes on.
    assert.deepEqual(
      await remote(a, "node", { op: "request", action: "echoRequest", data: 1, to: 0 }),
      { ok: { data: 1, by: 0, from: "node" } },
    );
  },
});

Deno.test({
  name:
    "while its host's NATS connection is down, a Node service's sends to another host are refused as not connected, and go again after",
  ignore,
  async fn() {
    const server = await NatsServer.start();
    try {
      const cluster = uniqueCluster();
      await using b = await joinHere(cluster, "b", { servers: server.url, workers: 1 });
      await using a = await joinHere(cluster, "a", {
        servers: server.url,
        workers: 1,
        ...WITH_NODE,
      });
      a.onError(() => {});
      b.onError(() => {});
      const { unanswered } = await unansweredOut(a);
      await server.kill();
      // a's manager tells it the way is down (REACH), then what was in flight is lost (GONE).
      assert.deepEqual(await waitFor(unanswered, "the request in flight to fail"), {
        error: {
          name: "UnreachableError",
          message:
            'Request "silentRequest" to worker 0 failed: the connection closed before it answered',
          action: "silentRequest",
          peer: 0,
        },
      });
      assert.deepEqual(await remote(a, "node", { op: "send", action: "test", to: 0 }), { ok: 0 });
      assert.deepEqual(
        await remote(a, "node", { op: "request", action: "echoRequest", to: 0 }),
        {
          error: {
            name: "UnreachableError",
            message: 'Request "echoRequest" to worker 0 failed: it is not connected',
            action: "echoRequest",
            peer: 0,
          },
        },
      );
      await server.restart();
      // Once a's manager reaches b again, it has told the Node service so (REACH) before.
      await reachesAgain(a, 0);
      assert.deepEqual(
        await remote(a, "node", { op: "request", action: "echoRequest", data: "back", to: 0 }),
        { ok: { data: "back", by: 0, from: "node" } },
      );
    } finally {
      await server.stop();
    }
  },
});

/**
 * Has the Node service send worker 0 a request it never answers; resolves
 * once that request is out (one sent after it on the same way was
 * answered), with the outcome it will have.
 */
async function unansweredOut(a: Cluster): Promise<{ unanswered: Promise<unknown> }> {
  const unanswered = remote(a, "node", {
    op: "request",
    action: "silentRequest",
    to: 0,
    timeout: 60_000,
  });
  assert.deepEqual(
    await remote(a, "node", { op: "request", action: "echoRequest", data: "out", to: 0 }),
    { ok: { data: "out", by: 0, from: "node" } },
  );
  return { unanswered };
}

/** Resolves once a request from `from` to `worker`, on another host, is answered. */
async function reachesAgain(from: Cluster, worker: number): Promise<void> {
  const answered = () =>
    from.request("echoRequest", "again", { to: worker, timeout: 1_000 }).then(
      () => true,
      async (error) => {
        if (!(error instanceof UnreachableError || error instanceof TimeoutError)) throw error;
        // Refused at once while the way is down, or lost as it came back: again.
        await new Promise((resolve) => setTimeout(resolve, 50));
        return false;
      },
    );
  // Asked again until answered, for at most 20 s, and no longer once that has passed.
  for (const until = Date.now() + 20_000; !await answered();) {
    if (Date.now() > until) throw new Error(`No request to worker ${worker} answered within 20 s`);
  }
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
