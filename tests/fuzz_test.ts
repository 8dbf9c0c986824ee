/**
 * Hostile input: 100,000 random and mutated frames against every kind of
 * listener, with and without the cluster's token, while real traffic flows.
 */

import assert from "node:assert/strict";
import type { StreamReport } from "./fixtures/streams.ts";
import { nextMessage, remote, SERVICE, startCluster, WAIT, waitFor } from "./helpers.ts";

const FRAMES = 100_000;

/**
 * Clear errors are the ones a bad frame or a refused connection is reported
 * with, and the count of refusals past the rate limit.
 */
const CLEAR =
  /^(Bad frame from service "fuzzer": |Refused a connection to [^:]+: |Refused \d+ more connections? to [^:]+ within 10000 ms, not reported one by one)/;

Deno.test("100,000 fuzzed frames close only the bad connections; other traffic loses nothing", async () => {
  await using cluster = await startCluster({
    workers: 2,
    processes: {
      logger: SERVICE,
      fuzzer: new URL("./fixtures/fuzzer.ts", import.meta.url),
    },
  });
  const managerErrors: Error[] = [];
  cluster.onError((error) => managerErrors.push(error));
  const seed = Math.floor(Math.random() * 2 ** 31);
  const pids = [0, 1, "logger"].map((address) => cluster.pid(address));

  // Real traffic while the attack runs: worker 0 streams to worker 1, and
  // the manager keeps asking both.
  // Both waits last as long as the attack may (the default deadline, 10 s,
  // counts from here and was not enough for it on a loaded machine).
  const streamed = nextMessage(cluster, "seqReport", undefined, 120_000);
  const stream = cluster.request("doRequest", {
    op: "stream",
    to: 1,
    count: 300_000,
    size: 32,
    drainEvery: 100,
  }, { to: 0, timeout: 120_000 });
  const fuzzed = nextMessage(cluster, "fuzzed", (m) => m.from === "fuzzer", 120_000);
  cluster.getProcess("fuzzer").send("fuzz", { frames: FRAMES, seed });
  let asked = 0;
  let done = false;
  const asking = (async () => {
    while (!done) {
      const answers = await cluster.requestAll("statsRequest", undefined, { timeout: WAIT });
      assert.ok(answers.every((a) => "data" in a), JSON.stringify(answers));
      asked++;
    }
  })();

  const tally = (await waitFor(fuzzed, `fuzzing (seed ${seed}) to finish`, 120_000))
    .data as { frames: number; connections: number; authenticated: number; byKind: object };
  done = true;
  await asking;
  await stream;
  const report = (await streamed).data as StreamReport;
  console.log(`seed ${seed}:`, tally, `; ${asked} gathers meanwhile`);

  assert.ok(tally.frames >= FRAMES, `only ${tally.frames} frames`);
  assert.ok(tally.authenticated > 0, "some attacks got past the handshake");
  assert.deepEqual(report, { by: 1, from: 0, received: 300_000, outOfOrder: 0, badBodies: 0 });
  // No process crashed or was restarted, and the cluster still works.
  assert.deepEqual([0, 1, "logger"].map((address) => cluster.pid(address)), pids);
  assert.ok(cluster.stats().children.every((c) => c.restarts === 0));
  assert.deepEqual(
    (await cluster.requestAll("statsRequest", undefined)).map((a) => "data" in a),
    [true, true],
  );
  // Every bad connection was closed with a clear error, and only those.
  assert.ok(managerErrors.length > 0);
  for (const error of managerErrors) assert.match(error.message, CLEAR);
  for (const child of [0, 1, "logger"]) {
    const outcome = await remote(cluster, child, { op: "errors" });
    assert.ok("ok" in outcome);
    const errors = outcome.ok as {
      count: number;
      names: Record<string, number>;
      samples: string[];
    };
    assert.ok(errors.count > 0, `${child} saw the attack`);
    assert.deepEqual(
      Object.keys(errors.names),
      ["FrameError"],
      `${child}: ${JSON.stringify(errors)}`,
    );
    for (const message of errors.samples) assert.match(message, CLEAR);
  }
});
