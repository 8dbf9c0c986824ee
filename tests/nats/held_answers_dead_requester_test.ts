/**
 * A worker's answer held in its manager for room in the window to another
 * host, whose manager is then killed (SIGKILL: no bye, its connection to
 * NATS dropped), and the answering host stopping. The stop waits for held
 * answers while it reads (`HeldAnswers.allSent`); room never comes from a
 * dead host, but the library knows it is gone once the membership drops it
 * (`hostTimeout`, 2.5 s by default): then what was held for it is refused,
 * and the stop goes on, rather than wait out the whole `stopTimeout`.
 * Host b's link here says its window to host a is full until host a has
 * left, as a real window to a dead host would be.
 */

import assert from "node:assert/strict";
import { Cluster, managerOf } from "../../mod.ts";
import { natsBroker } from "../../nats.ts";
import type { BrokerLink } from "../../src/broker.ts";
import { FULL } from "../../src/transport.ts";
import { waitFor } from "../helpers.ts";
import { HOST_WORKER, knowsWorkers, NATS, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

/** Long, so that a stop held for all of it shows: the test waits for less than half. */
const STOP_TIMEOUT = 20_000;

/** Host b's link: worker 0's sends to host a find the window full until host a has left. */
function fullUntilLeft(link: BrokerLink, refused: PromiseWithResolvers<void>): BrokerLink {
  const left = Promise.withResolvers<void>();
  link.onChange((change) => {
    if (change.type === "left" && change.host.host === "a") left.resolve();
  });
  let full = true;
  return new Proxy(link, {
    get(target, key) {
      if (key === "send") {
        return (...args: Parameters<BrokerLink["send"]>) => {
          if (!full || args[0] !== 0) return target.send(...args);
          refused.resolve();
          return FULL;
        };
      }
      if (key === "drained") {
        return async (limit: number, host?: string) => {
          if (full && host === "a") {
            await left.promise;
            full = false;
          }
          return target.drained(limit, host);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

Deno.test({
  name:
    "an answer held for room to a host that was killed holds a stop only until that host is gone",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    const refused = Promise.withResolvers<void>();
    const broker = natsBroker({ servers: NATS, cluster, host: "b" });
    const b = await Cluster.start({
      worker: HOST_WORKER,
      workers: 1,
      stopTimeout: STOP_TIMEOUT,
      broker: { join: async (request) => fullUntilLeft(await broker.join(request), refused) },
    });
    b.onError(() => {});
    await using a = startHost({ cluster, host: "a", workers: 1 });
    let stopped: Promise<void> | undefined;
    try {
      await a.ready();
      await knowsWorkers(b, 2);
      // Host a's manager asks worker 0, here: its answer finds the window full.
      b.request("forwardRequest", { to: 0, action: "echoRequest", data: "x" }, {
        to: managerOf("a"),
        timeout: 30_000,
      }).catch(() => {});
      await waitFor(refused.promise, "worker 0's answer to find the window full");
      Deno.kill(a.process.pid, "SIGKILL");
      const began = performance.now();
      stopped = b.stop();
      await waitFor(stopped, "host b to stop", STOP_TIMEOUT / 2);
      assert.ok(performance.now() - began < STOP_TIMEOUT / 2);
    } finally {
      await (stopped ?? b.stop());
    }
  },
});
