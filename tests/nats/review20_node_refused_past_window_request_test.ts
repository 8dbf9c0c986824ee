/**
 * As a Deno worker's (tests/nats/review20_refused_past_window_request_test.ts),
 * the Node reference peer's request in flight to another host outlives a
 * message to the same process refused after it past its manager's window:
 * the GONE frame that tells it says the process is still there.
 */

import assert from "node:assert/strict";
import { remote, waitFor } from "../helpers.ts";
import { joinHere, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

const NODE_SERVICE = new URL("../fixtures/node_service.mjs", import.meta.url).pathname;

Deno.test({
  name: "the Node peer's request in flight to another host outlives a message refused past the " +
    "window after it",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using b = startHost({ cluster, host: "b", workers: 1 });
    await b.ready();
    // Worker 0 is on host b; host a's window to b holds some 16 KB.
    await using a = await joinHere(cluster, "a", {
      workers: 0,
      window: 16_384,
      processes: { node: { command: ["node", NODE_SERVICE] } },
    });
    assert.deepEqual(
      await remote(a, "node", { op: "request", action: "echoRequest", data: 1, to: 0 }),
      { ok: { data: 1, by: 0, from: "node" } },
    );
    // Paused, b confirms nothing: the request waits, and what follows fills the window.
    b.process.kill("SIGSTOP");
    let resumed = false;
    let asked: Promise<unknown>;
    try {
      asked = remote(a, "node", {
        op: "request",
        action: "echoRequest",
        data: 2,
        to: 0,
        timeout: 20_000,
      });
      const big = "x".repeat(10_000);
      for (let i = 0; i < 2; i++) {
        assert.deepEqual(
          await remote(a, "node", { op: "send", action: "tick", data: big, to: 0 }),
          {
            ok: 1,
          },
        );
      }
      // Told of the refusal: on the connection this comes by, after it.
      const errors = await remote(a, "node", { op: "errors" }) as { ok: string[] };
      assert.match(errors.ok.join("\n"), /cannot take it now/);
      b.process.kill("SIGCONT");
      resumed = true;
    } finally {
      if (!resumed) b.process.kill("SIGCONT");
    }
    assert.deepEqual(await waitFor(asked, "the request's outcome"), {
      ok: { data: 2, by: 0, from: "node" },
    });
  },
});
