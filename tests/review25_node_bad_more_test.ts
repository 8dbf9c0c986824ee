/**
 * Review 25: README ("Protocol", What every process does): a frame with "a
 * field of the wrong type" closes the connection it came on and is
 * reported as a `FrameError`. The Node peer took any `$more` (it answers a
 * streamed request in one part, and needs no credit), so a `$more` whose
 * `messageId` or `parts` was of the wrong type, or missing, went unnoticed
 * where a Deno process closes the connection: sent by
 * `fixtures/hostile_frames.ts` to both, each must say so alike.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { nextMessage, remote, waitFor, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;
const HOSTILE = new URL("./fixtures/hostile_frames.ts", import.meta.url);
const utf8 = new TextEncoder();

const BAD_MORE = [
  { messageId: "m", parts: -1 },
  { messageId: "m", parts: 1.5 },
  { messageId: "m", parts: "2" },
  { messageId: 5, parts: 1 },
  null,
];

function framed(value: unknown): string {
  const payload = utf8.encode(JSON.stringify(value));
  const frame = new Uint8Array(4 + payload.length);
  new DataView(frame.buffer).setUint32(0, payload.length);
  frame.set(payload, 4);
  return btoa(String.fromCharCode(...frame));
}

Deno.test("the Node peer refuses a $more whose fields are of the wrong type, as a Deno worker does", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    processes: { node: { command: ["node", NODE_SERVICE] }, hostile: HOSTILE },
  });
  const attacked = nextMessage(cluster, "attacked", (m) => m.from === "hostile");
  cluster.getProcess("hostile").send("attack", {
    targets: [0, "node"],
    frames: [
      ...BAD_MORE.map((data) => framed({ action: "$more", data })),
      framed({ action: "$more" }),
    ],
  });
  const outcomes = (await waitFor(attacked, "the attack")).data as Record<string, string[]>;
  assert.deepEqual(outcomes, { 0: Array(6).fill("closed"), node: Array(6).fill("closed") });
  const expected = Array(6).fill(
    'Bad frame from service "hostile": "$more" without a messageId and parts',
  );
  const worker = await remote(cluster, 0, { op: "errors" }) as { ok: { samples: string[] } };
  assert.deepEqual(worker.ok.samples, expected);
  const node = await remote(cluster, "node", { op: "errors" }) as { ok: string[] };
  assert.deepEqual(node.ok, expected);
  // Each still answers.
  assert.deepEqual(await cluster.request("echoRequest", 1, { to: "node" }), {
    data: 1,
    by: "node",
    from: "manager",
  });
});
