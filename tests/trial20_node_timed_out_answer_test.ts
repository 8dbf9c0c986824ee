/**
 * As a Deno handler's, the Node reference peer's answer to a request whose
 * timeout passed (the frame's `timeout` tells it when its requester stops
 * waiting) is not sent. It was: it reached the requester's listeners of
 * the response action, as a message nobody asked for, or could beat the
 * requester's own timer (trial 20).
 */

import assert from "node:assert/strict";
import { Cluster, TimeoutError } from "../mod.ts";
import { nextMessage } from "./helpers.ts";

const SERVICE = new URL("./fixtures/trial20_timed_out_node_service.mjs", import.meta.url).pathname;

Deno.test("the Node peer's answer to a request whose timeout passed is not sent", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { node: { command: ["node", SERVICE] } },
  });
  const heard: unknown[] = [];
  cluster.on("slowResponse", (data) => void heard.push(data));
  const answered = nextMessage(cluster, "answered");
  await assert.rejects(
    cluster.request("slowRequest", null, { to: "node", timeout: 50 }),
    TimeoutError,
  );
  // Its signal aborted at its timeout; it answered, then said so, after.
  assert.equal((await answered).data, "TimeoutError");
  assert.deepEqual(heard, []);
});
