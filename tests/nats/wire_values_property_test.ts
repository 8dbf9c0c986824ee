/**
 * The wire's values across hosts, property-tested as
 * tests/wire_values_property_test.ts does on one host: seeded random data
 * (`../wire_value_gen.ts`, arrays small enough for NATS's 1 MiB payloads)
 * goes from this host's manager to a worker of host "b" and back, and from
 * that worker to the Node.js service of this host and back, through both
 * managers in relay frames: it arrives as sent, or is refused where it is
 * sent, saying where. The fixed seed and a random one, printed in a
 * failure's message.
 */

import assert from "node:assert/strict";
import { FrameError } from "../../mod.ts";
import { remote } from "../helpers.ts";
import { carriedForm, generate, seeded } from "../wire_value_gen.ts";
import { bThenHere, joinHere, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

const NODE_SERVICE = new URL("../fixtures/node_service.mjs", import.meta.url).pathname;

function form(value: unknown, sent: boolean): string {
  return JSON.stringify(carriedForm(value, sent));
}

Deno.test({
  name:
    "seeded values cross hosts to a worker and on to a Node service as sent, or are refused saying where",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    const b = startHost({ cluster, host: "b", workers: 2 });
    await using hosts = await bThenHere(b, () =>
      joinHere(cluster, "a", {
        workers: 1,
        processes: { node: { command: ["node", NODE_SERVICE] } },
      }));
    const { a } = hosts;
    for (const seed of [25, Math.floor(Math.random() * 2 ** 31)]) {
      const next = seeded(seed);
      for (let i = 0; i < 80; i++) {
        const at = `seed ${seed}, value ${i}`;
        const { value, refused } = generate(next, { large: false });
        const answer = a.request("echoRequest", value, { to: 0 });
        if (refused) {
          await assert.rejects(answer, (error: unknown) => {
            assert.ok(error instanceof FrameError, `${at}: ${error}`);
            const prefix = `Cannot send "echoRequest" to worker 0: ${refused.where} `;
            assert.ok(error.message.startsWith(prefix), `${at}: ${error.message}`);
            assert.match(error.message.slice(prefix.length), refused.what, at);
            return true;
          });
          continue;
        }
        const { data } = await answer as { data: unknown };
        assert.equal(form(data, false), form(value, true), `${at}, to worker 0 on b`);
        if (i % 2 !== 0) continue;
        const outcome = await remote(a, 0, {
          op: "request",
          action: "echoRequest",
          data: value,
          to: "node",
        }) as { ok: { data: unknown } };
        assert.equal(
          form(outcome.ok?.data, false),
          form(value, true),
          `${at}, b's worker 0 to node`,
        );
      }
    }
  },
});
