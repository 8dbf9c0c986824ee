/** Scenario 6: workers serving HTTP on one port together (`reusePort`), with real requests. */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { freePort, getOnFreshConnection, startHttpCluster } from "../examples/http_server.ts";
import { KeepAliveConnection } from "./fixtures/keep_alive.ts";
import { waitFor } from "./helpers.ts";

const WORKERS = 4;
const REQUESTS = 100;

Deno.test("4 workers share one port: every request is answered, and every worker serves", async () => {
  const port = freePort();
  await using cluster = await startHttpCluster(port, WORKERS);

  const byBody = new Map<number, number>();
  for (let n = 0; n < REQUESTS; n++) {
    const { status, body } = await waitFor(getOnFreshConnection(port), `request ${n}`);
    assert.equal(status, 200);
    const worker = Number(body.match(/^served by worker (\d+)\n$/)?.[1]);
    assert.ok(worker >= 0 && worker < WORKERS, `request ${n} answered by ${body}`);
    byBody.set(worker, (byBody.get(worker) ?? 0) + 1);
  }

  const results = await cluster.requestAll("servedRequest", undefined);
  const served = results.map((result) => {
    assert.ok("data" in result, `worker ${result.from} did not answer`);
    return result.data.served;
  });
  assert.equal(served.reduce((sum, count) => sum + count, 0), REQUESTS);
  // What each worker counted is what the answers said it served.
  assert.deepEqual(served, results.map((result) => byBody.get(result.from as number) ?? 0));
  // Linux spreads connections over the listeners by a hash of each one's
  // addresses and ports; every request comes from a fresh source port. A
  // given worker gets none of 100 with probability (3/4)^100 = 3.2e-13, so
  // one of the 4 does with at most 4 * 3.2e-13 = 1.3e-12.
  for (const [worker, count] of served.entries()) {
    assert.ok(count >= 1, `worker ${worker} served none of ${REQUESTS}: ${served}`);
  }
});

Deno.test("a reloaded worker tells a busy keep-alive client to close before it stops serving", async () => {
  const port = freePort();
  await using cluster = await startHttpCluster(port, 1);
  const client = await KeepAliveConnection.open(port);
  try {
    assert.equal((await waitFor(client.get(), "the first answer")).close, false);
    const reloaded = cluster.reload();
    // Requests back to back, as a busy client sends them: each is answered,
    // until an answer says the connection closes. Closed without one, as
    // Deno's shutdown() alone closes it (it answers the requests in flight
    // without "connection: close"), a client that sent its next request
    // meanwhile gets "socket hang up".
    for (let n = 1;; n++) {
      const answer = await waitFor(client.get(), `answer ${n} during the reload`);
      assert.equal(answer.status, 200);
      if (answer.close) break;
    }
    await waitFor(reloaded, "the reload");
  } finally {
    client.close();
  }
});

Deno.test("the example run as a server answers until SIGTERM, drains a busy client, and ends with 0", async () => {
  const port = freePort();
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-run",
      "--allow-read=/tmp",
      "--allow-write=/tmp",
      "--allow-net",
      new URL("../examples/http_server.ts", import.meta.url).href,
      "serve",
      String(port),
    ],
    stdout: "piped",
  }).spawn();
  const output = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let printed = "";
  await waitFor(
    (async () => {
      while (!printed.includes(`Serving on http://127.0.0.1:${port}/`)) {
        const { value, done } = await output.read();
        if (done) throw new Error(`The server ended, having printed: ${printed}`);
        printed += value;
      }
    })(),
    "the server to say it serves",
  );
  const client = await KeepAliveConnection.open(port);
  try {
    assert.equal((await waitFor(client.get(), "the first answer")).status, 200);
    server.kill("SIGTERM");
    // A graceful stop: requests back to back on the connection are answered
    // until one says the connection closes.
    for (let n = 1;; n++) {
      const answer = await waitFor(client.get(), `answer ${n} during the stop`);
      assert.equal(answer.status, 200);
      if (answer.close) break;
    }
  } finally {
    client.close();
  }
  assert.deepEqual({ ...await waitFor(server.status, "the server to exit") }, {
    success: true,
    code: 0,
    signal: null,
  });
  while (!(await output.read()).done);
  // Every worker stopped listening.
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port }),
    Deno.errors.ConnectionRefused,
  );
});

Deno.test("reusePort lets a service with flags of its own listen on the workers' port", async () => {
  const port = freePort();
  const child = new URL("./fixtures/reuse_port_child.ts", import.meta.url);
  // Without --unstable-net a child listening with reusePort exits (code 70)
  // before it is ready, and start() rejects.
  await using cluster = await Cluster.start({
    worker: child,
    workers: 2,
    args: [String(port)],
    processes: { web: { module: child, flags: ["--v8-flags=--max-old-space-size=64"] } },
    permissions: { net: [`127.0.0.1:${port}`] },
    reusePort: true,
  });
  assert.deepEqual(cluster.stats().children.map((child) => child.state), [
    "ready",
    "ready",
    "ready",
  ]);
});
