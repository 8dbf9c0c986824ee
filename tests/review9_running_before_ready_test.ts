/**
 * Review 9: README "Protocol": a child sends `$running` "once the go-ahead
 * byte has come on its stdin: only then does it count as started", and a
 * control frame "that is known but out of turn (a second `$ready` or
 * `$running`, …) is ignored". A `$running` from a child that never said
 * `$ready` (so never had the go-ahead) is out of turn too; the manager
 * takes it as the child started (src/supervisor.ts `ready` checks only
 * that the child is not ready already, not `wentAhead`), and
 * `Cluster.start()` resolves with a child that never said it was ready:
 * its siblings' `$sync` about it and the events it missed are never
 * released or sent (src/manager.ts `#goAhead` never runs).
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { waitFor } from "./helpers.ts";

const SERVICE = new URL("./fixtures/review9_early_running_service.mjs", import.meta.url).pathname;

Deno.test("a $running before $ready is ignored: the child is not started until it says $ready", async () => {
  const starting = Cluster.start({
    workers: 0,
    processes: { node: { command: ["node", SERVICE] } },
    startTimeout: 1_000,
    // It does not answer $stop: killed after this.
    stopTimeout: 200,
    signals: false,
  });
  const outcome = await waitFor(
    starting.then(
      async (cluster) => {
        const children = cluster.stats().children;
        cluster.onError(() => {});
        await cluster.stop();
        return { started: children };
      },
      (error: Error) => ({ failed: error.message }),
    ),
    "the start to settle",
  );
  assert.ok(
    "failed" in outcome && /service "node" connected but did not become ready/.test(outcome.failed),
    `the start should fail at startTimeout, as the child never said $ready; got ${
      JSON.stringify(outcome)
    }`,
  );
});
