/**
 * A late answer that did not heed its signal (the handler never read it)
 * still reaches the requester's listeners of the response action, as a
 * Deno handler's does (tests/request_test.ts, "a late response after a
 * timeout settles nothing and still reaches listeners"): only an answer
 * whose handler could see its signal abort at the timeout is not sent
 * (c4b5dcf, 3337fa2). The Node reference peer dropped every answer past
 * the timeout.
 */

import assert from "node:assert/strict";
import { Cluster, TimeoutError } from "../mod.ts";
import { nextMessage } from "./helpers.ts";

const SERVICE = new URL("./fixtures/review20_late_node_service.mjs", import.meta.url).pathname;
const TIMEOUT = 50;

Deno.test("the Node peer's late answer whose handler never read its signal reaches listeners", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { node: { command: ["node", SERVICE] } },
  });
  const late = nextMessage(cluster, "slowResponse");
  const answered = nextMessage(cluster, "answered");
  await assert.rejects(
    cluster.request("slowRequest", null, { to: "node", timeout: TIMEOUT }),
    TimeoutError,
  );
  cluster.sendMessage("go", TIMEOUT, "node");
  await answered;
  assert.equal((await late).data, "late");
});
