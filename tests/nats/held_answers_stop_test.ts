/**
 * A worker's answer to another host, held in its manager for room in the
 * window, and its whole host stopping: the manager stopped reading the
 * other hosts once its children were gone, then closed its link, the
 * answer still held. Room in the window comes only as the other host
 * confirms what it had, heard only while the manager reads: the answer was
 * refused as the link closed, to a worker gone by then, and the request
 * failed with the stop. Host b's link here says its window to host a is
 * full until the test sees worker 0 stopped (host b's children are gone),
 * and makes no room once host b stopped reading, as a real window would not.
 */

import assert from "node:assert/strict";
import { Cluster } from "../../mod.ts";
import { natsBroker } from "../../nats.ts";
import type { BrokerLink } from "../../src/broker.ts";
import { FULL } from "../../src/transport.ts";
import { WAIT, waitFor } from "../helpers.ts";
import { HOST_WORKER, joinHere, knowsWorkers, NATS, natsAnswers, uniqueCluster } from "./hosts.ts";

/** Host b's link: worker 0's sends find the window to host a full until `confirmed`. */
interface Narrowed {
  full: boolean;
  /** Resolves as a send from worker 0 finds the window full. */
  refused: PromiseWithResolvers<void>;
  /** Resolved by the test as host a confirms: the window makes room then, if b still reads. */
  confirmed: PromiseWithResolvers<void>;
  /** Set once host b stops reading: no confirmation comes after. */
  stoppedReading: boolean;
  /** Resolves as host b's link closes. */
  closed: PromiseWithResolvers<void>;
}

function narrow(link: BrokerLink, narrowed: Narrowed): BrokerLink {
  return new Proxy(link, {
    get(target, key) {
      if (key === "send") {
        return (...args: Parameters<BrokerLink["send"]>) => {
          if (!narrowed.full || args[0] !== 0) return target.send(...args);
          narrowed.refused.resolve();
          return FULL;
        };
      }
      if (key === "drained") {
        return async (limit: number, host?: string) => {
          if (narrowed.full && host !== undefined) {
            await narrowed.confirmed.promise;
            // Confirmations are heard only while host b reads.
            if (narrowed.stoppedReading) await narrowed.closed.promise;
            narrowed.full = false;
          }
          return target.drained(limit, host);
        };
      }
      if (key === "stopReading") {
        return () => {
          narrowed.stoppedReading = true;
          return target.stopReading?.();
        };
      }
      if (key === "close") {
        return async () => {
          narrowed.closed.resolve();
          return await target.close();
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

Deno.test({
  name: "an answer held for room in the window reaches the other host though its whole host stops",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    const narrowed: Narrowed = {
      full: false,
      refused: Promise.withResolvers(),
      confirmed: Promise.withResolvers(),
      stoppedReading: false,
      closed: Promise.withResolvers(),
    };
    const broker = natsBroker({ servers: NATS, cluster, host: "b" });
    const b = await Cluster.start({
      worker: HOST_WORKER,
      workers: 1,
      broker: { join: async (request) => narrow(await broker.join(request), narrowed) },
    });
    let stopped: Promise<void> | undefined;
    try {
      await using a = await joinHere(cluster, "a", { workers: 1 });
      a.onError(() => {});
      b.onError(() => {});
      await knowsWorkers(a, 2);
      await knowsWorkers(b, 2);
      narrowed.full = true;
      const answer = a.request("echoRequest", "x", { to: 0, timeout: 20_000 });
      answer.catch(() => {});
      await waitFor(narrowed.refused.promise, "worker 0's answer to find the window full");
      stopped = b.stop();
      // Once its children are gone, the manager stopped reading the other
      // hosts before (in the same turn): host a's confirmation came too late.
      await stateIs(b, 0, "stopped");
      narrowed.confirmed.resolve();
      const answered = await waitFor(answer, "the answer");
      assert.equal((answered as { data: string }).data, "x");
      await waitFor(stopped, "host b to stop");
    } finally {
      await (stopped ?? b[Symbol.asyncDispose]());
    }
  },
});

/** Resolves once `cluster` says its child `address` is in `state` (checked each 5 ms). */
async function stateIs(cluster: Cluster, address: number, state: string): Promise<void> {
  const deadline = Date.now() + WAIT;
  while (cluster.stats().children.find((child) => child.address === address)?.state !== state) {
    if (Date.now() > deadline) {
      throw new Error(`Child ${address} was not ${state} within ${WAIT} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
