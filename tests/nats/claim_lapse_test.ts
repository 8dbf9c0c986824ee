/**
 * A host whose claim outlasts its own claiming host key (it waits for a
 * predecessor's address keys to lapse, and they were written after that
 * predecessor's host key went) must not end joined without a host key,
 * while another process of its name takes the name.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { Membership } from "../../src/nats/membership.ts";
import { ownerValue } from "../../src/nats/membership_keys.ts";
import { NATS, natsAnswers, uniqueCluster } from "./hosts.ts";

Deno.test({
  name:
    "two processes of one name, one waiting out a predecessor's keys: one joins, with its host key",
  ignore: !natsAnswers,
  async fn() {
    const opts = { heartbeat: 200, hostTimeout: 500 };
    const [na, n1, n2] = await Promise.all([1, 2, 3].map(() => connect({ servers: NATS })));
    const cluster = uniqueCluster();
    const a = await Membership.join(na, { cluster, host: "a", workers: 1, services: [], ...opts });
    const joined: Membership[] = [];
    try {
      const kv = await new Kvm(na).open(`switchboard_${cluster}`);
      // A predecessor named b whose host key is gone (deleted as it left),
      // its worker keys not yet: the last written after the first b took the name.
      await kv.put("w.1", ownerValue("b", "gone"));
      const first = Membership.join(n1, { cluster, host: "b", workers: 2, services: [], ...opts });
      await new Promise((resolve) => setTimeout(resolve, 150));
      // (Created only if free: before, the first b took w.2 at once.)
      await kv.create("w.2", ownerValue("b", "gone")).catch(() => {});
      const second = Membership.join(n2, { cluster, host: "b", workers: 2, services: [], ...opts });
      for (const result of await Promise.allSettled([first, second])) {
        if (result.status === "fulfilled") joined.push(result.value);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(
        joined.length,
        1,
        `one process named b joined: ${JSON.stringify(joined.map((m) => m.self))}, h.b ${
          (await kv.get("h.b"))?.string()
        }`,
      );
      const record = (await kv.get("h.b"))?.json<{ workers: number[] }>();
      assert.deepEqual(record?.workers, joined[0].self.workers, "its host key says so");
      assert.equal(a.hostOf(joined[0].self.workers[0]), "b", "the others know it");
    } finally {
      for (const membership of joined) await membership.leave();
      await a.leave();
      for (const nc of [na, n1, n2]) await nc.close();
    }
  },
});
