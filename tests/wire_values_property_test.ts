/**
 * The wire's values, property-tested (README "What data can hold",
 * "Protocol": Values): seeded random data (`wire_value_gen.ts`) arrives as
 * it was sent, or is refused at the sender with a `FrameError` that says
 * where; Switchboard's codec and the Node.js peer's agree on each value, in
 * this process; and in a real cluster, data goes manager → Deno worker →
 * manager, manager → Node.js service → manager, and worker → Node.js service
 * → worker. A fixed seed and a few
 * random ones, each printed in a failure's message, so that it can be
 * replayed with `generate(seeded(seed))`.
 */

import assert from "node:assert/strict";
import { decodeMessage as nodeDecode, encodeMessage as nodeEncode } from "../peers/node/codec.mjs";
import { toWireData as nodeToWireData } from "../peers/node/wire_values.mjs";
import { Cluster, FrameError } from "../mod.ts";
import { decodeMessage, encodeMessage, toBytes } from "../src/codec.ts";
import { toWireData } from "../src/wire_values.ts";
import { carriedForm, generate, type Generated, seeded } from "./wire_value_gen.ts";
import { remote, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;
const LIMIT = 16 * 1024 * 1024;
const FIXED_SEED = 25;

/** The fixed seed, then `count` random ones. */
function seeds(count: number): number[] {
  return [FIXED_SEED, ...Array.from({ length: count }, () => Math.floor(Math.random() * 2 ** 31))];
}

/** What a value means on the wire, as text to compare. */
function sentForm(value: unknown): string {
  return JSON.stringify(carriedForm(value, true));
}

function arrivedForm(value: unknown): string {
  return JSON.stringify(carriedForm(value, false));
}

/** Checks a refusal's message: `Cannot send "<action>" to <whom>: <where> <what>`. */
function assertRefusal(message: string, prefix: string, refused: Generated["refused"], at: string) {
  const { where, what } = refused!;
  assert.ok(message.startsWith(`${prefix}${where} `), `${at}: expected ${where}, got ${message}`);
  assert.match(message.slice(prefix.length + where.length + 1), what, at);
}

Deno.test("seeded values: Switchboard's codec and the Node peer's carry or refuse each alike", () => {
  for (const seed of seeds(3)) {
    const next = seeded(seed);
    for (let i = 0; i < 800; i++) {
      const at = `seed ${seed}, value ${i}`;
      const { value, refused } = generate(next, { large: i % 100 === 0 });
      const deno = toWireData(value, LIMIT);
      const node = nodeToWireData(value, LIMIT);
      if (refused) {
        assert.equal(typeof deno, "string", `${at}: carried what must be refused`);
        assertRefusal(deno as string, "", refused, at);
        assert.equal(node, deno, `${at}: the Node peer's refusal`);
        continue;
      }
      assert.ok(typeof deno !== "string", `${at}: ${deno}`);
      assert.ok(typeof node !== "string", `${at}: the Node peer refused: ${node}`);
      assert.equal(
        JSON.stringify([node.value, node.tags]),
        JSON.stringify([deno.value, deno.tags]),
        `${at}: wire forms`,
      );
      // Deno → Deno, and Deno → Node → Deno.
      const payload = toBytes(encodeMessage({ action: "x", data: value }, LIMIT, 0)).slice();
      const want = sentForm(value);
      assert.equal(arrivedForm(decodeMessage(payload, "worker 0").data), want, at);
      const atNode = nodeDecode(payload, "the manager");
      const back = nodeEncode({ action: "x", data: atNode.data }, LIMIT);
      assert.equal(arrivedForm(decodeMessage(new Uint8Array(back), "node").data), want, at);
    }
  }
});

Deno.test("seeded values go to a Deno worker and a Node service and back as sent, or are refused saying where", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
  for (const seed of seeds(1)) {
    const next = seeded(seed);
    for (let i = 0; i < 150; i++) {
      const { value, refused } = generate(next, { large: i % 50 === 0 });
      await Promise.all(([[0, "worker 0"], ["node", 'service "node"']] as const).map(
        async ([to, whom]) => {
          const at = `seed ${seed}, value ${i}, to ${whom}`;
          const answer = cluster.request("echoRequest", value, { to });
          if (refused) {
            await assert.rejects(answer, (error: unknown) => {
              assert.ok(error instanceof FrameError, `${at}: ${error}`);
              assertRefusal(error.message, `Cannot send "echoRequest" to ${whom}: `, refused, at);
              assert.deepEqual([error.action, error.peer], ["echoRequest", to], at);
              return true;
            });
            return;
          }
          const { data } = await answer as { data: unknown };
          assert.equal(arrivedForm(data), sentForm(value), at);
        },
      ));
      if (refused || i % 3 !== 0) continue;
      // And child to child: the worker asks the Node service, then answers the manager.
      const outcome = await remote(cluster, 0, {
        op: "request",
        action: "echoRequest",
        data: value,
        to: "node",
      }) as { ok: { data: unknown } };
      assert.equal(
        arrivedForm(outcome.ok?.data),
        sentForm(value),
        `seed ${seed}, value ${i}, via worker 0`,
      );
    }
  }
  // Nothing refused was sent, and both still answer.
  assert.ok(cluster.stats().children.every((c) => c.restarts === 0));
});
