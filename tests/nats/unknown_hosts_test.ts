/**
 * Envelopes under host names that are not members of the cluster (a member
 * with a bug, or worse, making names up): the receiving host keeps nothing
 * for them, and answers none, as each name kept would stay for good.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { encodeEnvelopes, type Envelope, SENT } from "../../src/nats/envelope.ts";
import { nextEvent, waitFor } from "../helpers.ts";
import { joinHere, knowsWorkers, NATS, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

/** "I sent you 5 messages", from host `host`, which never sent any. */
function sent(host: string): Envelope {
  return {
    kind: SENT,
    host,
    epoch: 1,
    round: 1,
    seq: 5,
    from: null,
    to: null,
    body: new Uint8Array(0),
  };
}

Deno.test({
  name:
    "envelopes from hosts that are not members are dropped, unanswered, and reported as a count",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using a = startHost({ cluster, host: "a", workers: 1 });
    await a.ready();
    await using b = await joinHere(cluster, "b", { workers: 1 });
    await knowsWorkers(b, 2);
    const reports: string[] = [];
    b.onError((error) => reports.push(error.message));
    const nc = await connect({ servers: NATS });
    try {
      // What anyone publishes to a host of the cluster, in order.
      const subjects: string[] = [];
      const toA = Promise.withResolvers<void>();
      nc.subscribe(`switchboard.${cluster}.*`, {
        callback: (_, message) => {
          subjects.push(message.subject);
          if (message.subject.endsWith(".a")) toA.resolve();
        },
      });
      await nc.flush();
      for (let round = 0; round < 10; round++) {
        const envelopes = Array.from({ length: 100 }, (_, i) => sent(`ghost-${round * 100 + i}`));
        nc.publish(`switchboard.${cluster}.b`, encodeEnvelopes(envelopes));
      }
      // Last, one that b reports at once: it has read all before it then.
      nc.publish(`switchboard.${cluster}.b`, encodeEnvelopes([sent("b")]));
      await nextEvent<string>(
        (listener) => b.onError((error) => listener(error.message)),
        "b to read the last envelope",
        (message) => /claims to be from here/.test(message),
      );
      // Published after whatever b answered them, on the same connection.
      assert.equal(b.sendMessage("loggedTick", 0, 0), 1);
      await waitFor(toA.promise, "b's message to a");

      // The first 64 names wait for their hosts to be seen (see
      // early_envelopes.ts), past the test's end; the others are dropped.
      assert.deepEqual(subjects.filter((subject) => /\.ghost-/.test(subject)), []);
      assert.deepEqual(reports.filter((message) => !/claims to be from here/.test(message)), [
        '1 envelope from hosts that are not members of the cluster was dropped (the last from host "ghost-64")',
      ]);
    } finally {
      await nc.close();
    }
  },
});
