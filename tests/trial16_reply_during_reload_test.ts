/**
 * Trial 16: a service reloaded while a worker sends it plain messages it
 * answers with `msg.reply()` (imi's request/response by hand, scenario 3).
 * The old process still dispatches messages that reach it after it shut
 * its side of its connections, and its `msg.reply()` to them returns
 * false: the worker's message was counted and delivered, its answer never
 * comes, and nothing tells the worker. README: "Reloads under load lose
 * nothing"; "nothing is dropped in silence".
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { Recorder, SERVICE, waitFor } from "./helpers.ts";

Deno.test("every ping a worker sent a service being reloaded is answered, or the worker is told", async () => {
  await using cluster = await Cluster.start({
    worker: new URL("./fixtures/trial16_pinger.ts", import.meta.url),
    workers: 1,
    processes: { logger: SERVICE },
  });
  const saw = new Recorder<{ action: string }>(cluster, "serviceSaw");
  await cluster.request("startPingsRequest", { to: "logger" }, { to: 0 });
  await saw.until(
    (seen) => seen.filter((s) => s.action === "ping").length >= 2_000,
    "pings flowing",
  );
  await waitFor(cluster.reload("logger"), "the reload of the logger");
  const before = saw.data.length;
  await saw.until((seen) => seen.length >= before + 2_000, "pings to the new process");
  const { counted, pongs, errors } = await waitFor(
    cluster.request("stopPingsRequest", { to: "logger" }, { to: 0 }),
    "the last pong",
  ) as { counted: number; pongs: number; errors: string[] };
  saw.stop();
  assert.ok(
    pongs === counted || errors.length > 0,
    `worker 0 sent ${counted} pings (counted), got ${pongs} pongs back, and heard nothing: ${
      JSON.stringify(errors)
    }`,
  );
});
