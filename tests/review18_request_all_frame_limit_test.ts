/**
 * Review 18: README, requestAll: "What no target could take (data that …
 * is over `maxFrameSize` …) rejects the call itself, at once." The check
 * measured the message without what each request adds to it (its
 * `messageId` and `timeout`): data within some 70 bytes of the limit passed
 * it, and then failed every target with the same `FrameError`.
 */

import assert from "node:assert/strict";
import { Cluster, FrameError, MANAGER } from "../mod.ts";

Deno.test("requestAll refuses at once data that fits a message but not a request", async () => {
  await using cluster = await Cluster.start({ workers: 0, signals: false, maxFrameSize: 4096 });
  cluster.handle("bigRequest", () => "ok");
  // The longest text a message of "bigRequest" carries (sent to nobody: only measured).
  let [fits, over] = [0, 4096];
  while (over - fits > 1) {
    const length = (fits + over) >> 1;
    try {
      cluster.sendMessage("bigRequest", "x".repeat(length), []);
      fits = length;
    } catch {
      over = length;
    }
  }
  const data = "x".repeat(fits);
  await assert.rejects(cluster.request("bigRequest", data, { to: MANAGER }), FrameError);
  await assert.rejects(cluster.requestAll("bigRequest", data, { to: [MANAGER] }), FrameError);
});
