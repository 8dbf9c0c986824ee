/**
 * When a host counts its own keys as lapsed: only once a key's lifetime
 * (`hostTimeout + heartbeat`) has passed since its last write the server
 * made was sent, for the server made it after. Before, it was counted at
 * `hostTimeout`, and a live host whose NATS answered slowly (a round of
 * refreshes over a beat long) refused a sixth of its sends.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { Membership } from "../../src/nats/membership.ts";
import { NATS, natsAnswers, uniqueCluster } from "./hosts.ts";

Deno.test({
  name:
    "a host's keys count as lapsed once their lifetime has passed since their last write, not sooner",
  ignore: !natsAnswers,
  async fn() {
    const nc = await connect({ servers: NATS });
    let now = 1_000_000;
    const membership = await Membership.join(nc, {
      cluster: uniqueCluster(),
      host: "a",
      workers: 1,
      services: [],
      heartbeat: 200,
      hostTimeout: 500,
      now: () => now,
    });
    try {
      // Every write so far was sent at 1_000_000. Each check follows the
      // change of time at once: no refresh can land in between.
      now += 600;
      assert.equal(membership.mayHaveLapsed(), false, "past hostTimeout, within the lifetime");
      now += 101;
      assert.equal(membership.mayHaveLapsed(), true, "past the lifetime of 700 ms");
    } finally {
      await membership.leave();
      await nc.close();
    }
  },
});
