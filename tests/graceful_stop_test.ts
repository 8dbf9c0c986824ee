/**
 * Nothing handed over is lost on a graceful stop: children stop in two
 * phases, doing their stop work while they still receive.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { nextMessage, Recorder, startCluster, waitFor } from "./helpers.ts";

const SCENARIO = new URL("./fixtures/scenario_1/", import.meta.url);

Deno.test("the fixture is README's scenario 1, word for word", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const start = readme.indexOf("```ts\n", readme.indexOf("### 1. Broadcast and targeted messages"));
  const block = readme.slice(start + 6, readme.indexOf("```\n", start + 6));
  const fixture = await Deno.readTextFile(new URL("readme.ts", SCENARIO));
  assert.equal(
    fixture.slice(fixture.indexOf("\n") + 1).replace(
      '"../../../mod.ts"',
      '"@switchboard/switchboard"',
    ),
    block,
  );
});

Deno.test("README's scenario 1, run as written, delivers every forward before the cluster stops", async () => {
  for (let run = 0; run < 5; run++) {
    const { code, stdout, stderr } = await waitFor(
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-run",
          "--allow-read=/tmp",
          "--allow-write=/tmp",
          "--allow-net",
          new URL("manager.ts", SCENARIO).href,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output(),
      "the scenario to run",
    );
    const lines = new TextDecoder().decode(stdout).trim().split("\n");
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    // From the manager: workers 0, 1 and 2, then 1, then 0 and 2; each
    // forwards to worker 2, which gets its own forwards too.
    const got = (worker: number, from: string) =>
      lines.filter((line) => new RegExp(`^worker ${worker} got \\d+ from ${from}$`).test(line))
        .length;
    assert.deepEqual(
      [got(0, "manager"), got(1, "manager"), got(2, "manager")],
      [2, 2, 2],
      lines.join("\n"),
    );
    assert.deepEqual([got(2, "0"), got(2, "1"), got(2, "2")], [2, 2, 2], `run ${run}: ${lines}`);
    assert.equal(lines.length, 12);
  }
});

Deno.test("what children send each other and the manager during their stop work arrives", async () => {
  const cluster = await startCluster({ workers: 3 });
  // Each worker's onStop says goodbye to the manager (the fixture's).
  const goodbyes = new Recorder<{ by: number | string }>(cluster, "goodbye");
  await cluster.stop();
  assert.deepEqual(goodbyes.data.map((g) => g.by).sort(), [0, 1, 2]);
});

Deno.test("the workers stop before the services: what a worker sends a service in its stop work is in before the service's stop work saves it", async () => {
  const cluster = await Cluster.start({
    worker: new URL("./fixtures/flushing_worker.ts", import.meta.url),
    workers: 2,
    processes: { sink: new URL("./fixtures/sink_service.ts", import.meta.url) },
  });
  const saved = nextMessage(cluster, "saved");
  const flushed = new Recorder<{ sent: boolean[] }>(cluster, "flushed");
  await waitFor(cluster.stop(), "the stop");
  // Before, every child began its stop work at once: the service's ran
  // before the workers' messages came, and saved none of them.
  assert.deepEqual((await saved).data, { count: 6 });
  assert.deepEqual(flushed.data.map((d) => d.sent), [[true, true, true], [true, true, true]]);
});

Deno.test("a stop that meets a service stopping alone ends it first: what workers then send it is refused where they see it, not taken after it saved", async () => {
  const cluster = await Cluster.start({
    worker: new URL("./fixtures/flushing_worker.ts", import.meta.url),
    workers: 2,
    processes: { sink: new URL("./fixtures/sink_service.ts", import.meta.url) },
    stopTimeout: 300,
  });
  cluster.onError(() => {});
  const late = new Recorder(cluster, "late");
  const flushed = new Recorder<{ sent: boolean[] }>(cluster, "flushed");
  // The sink holds a request, so that its reload's stop work does not end.
  const held = cluster.request("holdRequest", undefined, { to: "sink" }).catch(() => {});
  const saved = nextMessage(cluster, "saved");
  const reload = cluster.reload("sink").catch(() => {});
  // Its onStop ran, alone, before any worker's: with nothing flushed yet.
  assert.deepEqual((await saved).data, { count: 0 });
  await waitFor(cluster.stop(), "the stop");
  await Promise.all([held, reload]);
  // Before, the workers flushed while it still ran, after it saved: 6 late.
  assert.deepEqual(late.data, []);
  assert.deepEqual(flushed.data.map((d) => d.sent), [[false, false, false], [false, false, false]]);
});
