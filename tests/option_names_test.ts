/**
 * A misspelt option is refused where it is given, naming the option and
 * the one it likely meant, before any process starts: ignored, its
 * default would stay in force unnoticed.
 */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions } from "../mod.ts";
import { natsBroker, type NatsBrokerOptions } from "../nats.ts";
import { nextMessage, runningChildren, waitFor } from "./helpers.ts";

const worker = new URL("./fixtures/worker.ts", import.meta.url);

/** Options as JavaScript, or a config file, would pass them: unchecked by the compiler. */
function unchecked(options: Record<string, unknown>): ClusterOptions {
  return options as ClusterOptions;
}

Deno.test("Cluster.start() refuses a misspelt option, suggesting the right one, and starts nothing", async () => {
  await assert.rejects(
    Cluster.start(unchecked({ worker, workers: 1, stopTimout: 60_000 })),
    {
      name: "TypeError",
      message: 'Cluster.start() has no option "stopTimout": did you mean "stopTimeout"?',
    },
  );
  await assert.rejects(
    Cluster.start(unchecked({ worker, workers: 1, labeloutput: true })),
    {
      name: "TypeError",
      message: 'Cluster.start() has no option "labeloutput": did you mean "labelOutput"?',
    },
  );
  assert.deepEqual(runningChildren(), [], "no child was started");
});

Deno.test("an option nothing is close to is refused with the list of options", async () => {
  await assert.rejects(
    Cluster.start(unchecked({ worker, workers: 1, concurrency: 4 })),
    (error: Error) => {
      assert.ok(error instanceof TypeError);
      assert.match(
        error.message,
        /^Cluster\.start\(\) has no option "concurrency"; its options are "worker", "workers", /,
      );
      assert.match(error.message, /"schemas"$/);
      return true;
    },
  );
});

Deno.test("a service's and the restart policy's options are checked too", async () => {
  await assert.rejects(
    Cluster.start(unchecked({ workers: 0, processes: { logger: { modul: "./logger.ts" } } })),
    {
      name: "TypeError",
      message: 'Service "logger" has no option "modul": did you mean "module"?',
    },
  );
  await assert.rejects(
    Cluster.start(unchecked({ worker, workers: 1, restart: { maxRestart: 2 } })),
    {
      name: "TypeError",
      message: '"restart" has no option "maxRestart": did you mean "maxRestarts"?',
    },
  );
});

Deno.test("null where an object of options goes counts as not given, as before", async () => {
  const cluster = await Cluster.start(unchecked({ workers: 0, restart: null }));
  await cluster.stop();
});

Deno.test("natsBroker() refuses a misspelt option when it is called", () => {
  const options = { servers: "127.0.0.1:4222", cluster: "shop", hostTimout: 5_000 };
  assert.throws(
    () => natsBroker(options as NatsBrokerOptions),
    {
      name: "TypeError",
      message: 'natsBroker() has no option "hostTimout": did you mean "hostTimeout"?',
    },
  );
});

/**
 * What a worker that calls `connect()` with options it gets wrong (the JSON
 * `options`, or a misspelt one) says on stderr, started by no manager:
 * it exits with code 1.
 */
async function connectRefuses(options?: unknown): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      new URL("./fixtures/misspelt_connect_worker.ts", import.meta.url).href,
      ...(options === undefined ? [] : [JSON.stringify(options)]),
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const { code, stderr } = await waitFor(child.output(), "the worker to exit");
  assert.equal(code, 1);
  return new TextDecoder().decode(stderr);
}

Deno.test("connect() refuses a misspelt option before it reads its bootstrap", async () => {
  assert.match(
    await connectRefuses(),
    /TypeError: connect\(\) has no option "raedy": did you mean "ready"\?/,
  );
});

Deno.test("connect() refuses a ready option that is not a boolean before it reads its bootstrap", async () => {
  // "no" was taken as true: the process said it was ready before its setup.
  assert.match(
    await connectRefuses({ ready: "no" }),
    /TypeError: connect\(\): "ready" must be true or false, got "no"/,
  );
});

Deno.test("a connect() refused for a misspelt option leaves the next one, put right, to join", async () => {
  await using cluster = await Cluster.start({
    worker: new URL("./fixtures/connect_retry_worker.ts", import.meta.url),
    workers: 1,
    signals: false,
  });
  const joined = await nextMessage(cluster, "joined");
  assert.deepEqual(joined.data, {
    refused: 'connect() has no option "raedy": did you mean "ready"?',
  });
});

Deno.test("request(), requestStream() and requestAll() refuse a misspelt option, as they fail", async () => {
  const cluster = await Cluster.start({ worker, workers: 1 });
  try {
    const options = { to: 0, timout: 60_000 } as { to: number };
    await assert.rejects(cluster.request("echoRequest", {}, options), {
      name: "TypeError",
      message: 'Request "echoRequest" has no option "timout": did you mean "timeout"?',
    });
    const stream = cluster.requestStream("echoRequest", {}, options);
    await assert.rejects(stream[Symbol.asyncIterator]().next(), {
      name: "TypeError",
      message: 'Request "echoRequest" has no option "timout": did you mean "timeout"?',
    });
    await assert.rejects(cluster.requestAll("echoRequest", {}, { signl: undefined } as object), {
      name: "TypeError",
      message: 'requestAll() of "echoRequest" has no option "signl": did you mean "signal"?',
    });
    // Spelt right, the same calls go through.
    const answer = await cluster.request("echoRequest", { n: 1 }, { to: 0, timeout: 60_000 });
    assert.deepEqual((answer as { data: unknown }).data, { n: 1 });
  } finally {
    await cluster.stop();
  }
});
