/**
 * A child stopping while the cluster goes on (SIGTERM to it, a reload):
 * once its stop handlers ran, it refuses new requests, carrying each back;
 * one to `ANY` goes to another worker (one by id waits for its new process:
 * `replacement_test.ts`); the requests it took are still answered.
 */

import assert from "node:assert/strict";
import { ANY, type LifecycleEvent, MANAGER } from "../mod.ts";
import { hold, nextEvent, nextMessage, startCluster, waitFor } from "./helpers.ts";
import { unixNetwork } from "./networks.ts";

Deno.test("a worker stopping alone sends new requests back: ANY goes to another", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {} });
  // Worker 1 is the busier, so ANY picks worker 0 first; worker 0 holds one
  // request, so its stop work is not done while the test asks.
  const held = await hold(cluster, [0, 1, 1]);
  const goodbye = nextMessage(cluster, "goodbye");
  const ready = nextEvent<LifecycleEvent>(
    (listener) => cluster.onLifecycle(listener),
    "worker 0 ready again",
    (event) => event.type === "ready" && event.address === 0,
  );
  Deno.kill(cluster.pid(0)!, "SIGTERM");
  await goodbye; // Its stop handlers ran.

  const data = { when: new Date(0), bytes: new Uint8Array([1, 2, 3]), n: 1 };
  const answer = await cluster.request("echoRequest", data, { to: ANY }) as {
    data: unknown;
    by: number;
  };
  assert.equal(answer.by, 1, "refused by worker 0, answered by worker 1");
  assert.deepEqual(answer.data, data, "the refusal carried the data back unchanged");

  cluster.sendMessage("release", {});
  assert.deepEqual(await Promise.all(held), ["released", "released", "released"]);
  await ready;
  // Back, it is chosen again: equals take turns.
  const by = new Set<unknown>();
  for (let i = 0; i < 4; i++) {
    by.add((await cluster.request("echoRequest", i, { to: ANY }) as { by: number }).by);
  }
  assert.deepEqual([...by].sort(), [0, 1]);
});

Deno.test("a streamed request to ANY that a stopping worker refused goes to another", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {} });
  const held = await hold(cluster, [0, 1, 1]);
  const goodbye = nextMessage(cluster, "goodbye");
  Deno.kill(cluster.pid(0)!, "SIGTERM");
  await goodbye;
  const stopped = nextMessage(cluster, "streamStopped");
  const parts: unknown[] = [];
  for await (const part of cluster.requestStream("countStream", { count: 3 }, { to: ANY })) {
    parts.push(part);
  }
  assert.deepEqual(parts, [0, 1, 2].map((i) => ({ i, pad: "" })));
  assert.deepEqual((await stopped).data, { by: 1, yielded: 3, reason: "ended" });
  cluster.sendMessage("release", {});
  await waitFor(Promise.all(held), "the held requests");
});

/** Leaves a socket file at `path` that nobody listens at: a process that listened was killed. */
async function staleSocket(path: string): Promise<void> {
  const code = `Deno.listen({ transport: "unix", path: ${JSON.stringify(path)} });` +
    `console.log("listening"); setInterval(() => {}, 1000);`;
  const child = new Deno.Command(Deno.execPath(), { args: ["eval", code], stdout: "piped" })
    .spawn();
  const reader = child.stdout.getReader();
  await waitFor(reader.read(), "the listener");
  child.kill("SIGKILL");
  await child.status;
  reader.releaseLock();
  await child.stdout.cancel();
}

Deno.test("a request to ANY whose connection to the worker never opened goes to another", async () => {
  // Worker 0 left its socket file behind, as a killed process does: a dial
  // to it fails, and nothing sent on that connection reached it.
  const network = await unixNetwork();
  try {
    await staleSocket(`${network.dir}/w0.sock`);
    await network.router(MANAGER);
    const [one, two] = [await network.router(1), await network.router(2)];
    one.listeners.handle("echoRequest", (data) => ({ data, by: 1 }));
    two.listeners.handle("echoRequest", (data) => ({ data, by: 2 }));
    // The least busy first, in turn from worker 0: worker 0 is tried first.
    const answer = await two.request("echoRequest", "x", { to: ANY }) as { by: number };
    assert.ok(answer.by === 1 || answer.by === 2, `answered by a worker that is up: ${answer.by}`);
    // Tried last from now on, until it is announced ready.
    for (let i = 0; i < 3; i++) {
      assert.notEqual((await two.request("echoRequest", i, { to: ANY }) as { by: number }).by, 0);
    }
  } finally {
    await network.close();
  }
});

Deno.test("a refused request too large to be carried back is sent again from the requester's copy", async () => {
  const maxFrameSize = 64 * 1024;
  await using cluster = await startCluster({ workers: 2, processes: {}, maxFrameSize });
  const held = await hold(cluster, [0, 1, 1]);
  const goodbye = nextMessage(cluster, "goodbye");
  Deno.kill(cluster.pid(0)!, "SIGTERM");
  await goodbye;
  // Its refusal, with this data back in it, would be over maxFrameSize.
  const bytes = new Uint8Array(maxFrameSize - 150).fill(7);
  const answer = await cluster.request("echoRequest", bytes, { to: ANY }) as {
    data: Uint8Array;
    by: number;
  };
  assert.equal(answer.by, 1);
  assert.deepEqual(answer.data, bytes);
  // By id, it waits for worker 0's new process, and goes there from the same copy.
  const byId = cluster.request("echoRequest", bytes, { to: 0 });
  cluster.sendMessage("release", {});
  await waitFor(Promise.all(held), "the held requests");
  const again = await waitFor(byId, "the answer of worker 0's new process") as {
    data: Uint8Array;
    by: number;
  };
  assert.equal(again.by, 0);
  assert.deepEqual(again.data, bytes);
});

Deno.test("a request sent again after a refusal times out naming the timeout it was given", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {} });
  const held = await hold(cluster, [0, 1, 1]);
  const goodbye = nextMessage(cluster, "goodbye");
  Deno.kill(cluster.pid(0)!, "SIGTERM");
  await goodbye;
  // Refused by worker 0, then held by worker 1 past its timeout.
  const late = await cluster.request("holdRequest", {}, { to: ANY, timeout: 300 })
    .catch((error: Error) => error);
  assert.equal((late as Error).message, 'Request "holdRequest" to worker 1 timed out after 300 ms');
  cluster.sendMessage("release", {});
  await waitFor(Promise.all(held), "the held requests");
});
