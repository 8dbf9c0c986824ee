/**
 * A host paused past its keys' lifetime, whose name and worker id a new
 * process took meanwhile: what its worker sent while it was paused (queued
 * in its manager's socket) must not go out, once it runs again, under the
 * address the new process holds.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { managerOf } from "../../mod.ts";
import { MESSAGE, readEnvelopes } from "../../src/nats/envelope.ts";
import { remote, waitFor } from "../helpers.ts";
import {
  event,
  expired,
  joinHere,
  knowsWorkers,
  NATS,
  natsAnswers,
  startHost,
  uniqueCluster,
} from "./hosts.ts";

Deno.test({
  name:
    "a host paused while a new process took its name sends nothing its worker queued meanwhile once it runs again",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using oldB = startHost({ cluster, host: "b", workers: 1 });
    await oldB.ready();
    await using a = await joinHere(cluster, "a", { workers: 1 });
    // Worker 0 (old b) ticks to worker 1 (a) until b leaves, paused or not.
    const ticking = remote(a, 0, { op: "ticks", to: 1, pace: 10 }).catch(() => {});
    await waitFor(
      (async () => {
        while ((await a.request("ticksSoFar", null, { to: 1 }) as number[]).length === 0);
      })(),
      "a first tick",
    );
    const left = event(a, "hostLeft", managerOf("b"));
    Deno.kill(oldB.process.pid, "SIGSTOP");
    await waitFor(left, "a to see b leave");
    await ticking;
    await expired(cluster, "w.0");
    await using newB = startHost({ cluster, host: "b", workers: 1 });
    await newB.ready();
    await knowsWorkers(a, 2);

    // What goes to a's subject, and the membership's writes, in the order
    // each publisher sent them: the old b's last is the delete of its host
    // key, as it leaves (the new b's writes are no deletes).
    const nc = await connect({ servers: NATS });
    try {
      let fromB = 0;
      const deleted = Promise.withResolvers<void>();
      nc.subscribe(`switchboard.${cluster}.a`, {
        callback: (_, message) => {
          readEnvelopes(message.data, (envelope) => {
            if (envelope.host === "b" && envelope.kind === MESSAGE) fromB++;
          });
        },
      });
      nc.subscribe(`$KV.switchboard_${cluster}.h.b`, {
        callback: (_, message) => {
          if (message.headers?.get("KV-Operation") === "DEL") deleted.resolve();
        },
      });
      await nc.flush();
      Deno.kill(oldB.process.pid, "SIGCONT");
      await waitFor(deleted.promise, "the old b to leave");
      assert.equal(fromB, 0);
    } finally {
      await nc.close();
    }
  },
});
