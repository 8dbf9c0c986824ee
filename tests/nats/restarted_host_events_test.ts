/**
 * A host whose manager stopped and started again under the same name is a
 * new process: the events told before it joined were never its to have.
 * The other host kept counting from when the host's first process joined,
 * so when either said it was back from being cut off, the new process was
 * told the other host's past (a reload long before it came) again, as news,
 * its first process's events taken as its own. Host a's link here gives
 * the test its `onBack` listeners, to say host b is back.
 */

import assert from "node:assert/strict";
import { Cluster, type LifecycleEvent, managerOf } from "../../mod.ts";
import { natsBroker } from "../../nats.ts";
import type { BrokerLink } from "../../src/broker.ts";
import { event, heardOf, waitFor } from "../helpers.ts";
import { HOST_WORKER, joinHere, knowsWorkers, NATS, natsAnswers, uniqueCluster } from "./hosts.ts";

/** This process as host a of `cluster` (one worker): its link's `onBack` listeners go to `back`. */
function joinTapped(cluster: string, back: ((host: string) => void)[]): Promise<Cluster> {
  const broker = natsBroker({ servers: NATS, cluster, host: "a" });
  const tap = (link: BrokerLink) =>
    new Proxy(link, {
      get(target, key) {
        if (key === "onBack") {
          return (listener: (host: string) => void) => {
            back.push(listener);
            return target.onBack!(listener);
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return Cluster.start({
    worker: HOST_WORKER,
    workers: 1,
    broker: { join: async (request) => tap(await broker.join(request)) },
  });
}

for (const bFirst of [false, true]) {
  Deno.test({
    name: "a host's manager started again under its name is not told the other host's past again" +
      (bFirst ? ", its first process there before the other" : ""),
    ignore: !natsAnswers,
    fn: () => restartedHost(bFirst),
  });
}

/**
 * Host a (this process) and host b's first process, `bFirst` the first to
 * start; host a's worker reloaded; host b started again under its name.
 */
async function restartedHost(bFirst: boolean): Promise<void> {
  const cluster = uniqueCluster();
  const back: ((host: string) => void)[] = [];
  let first: Cluster | undefined = bFirst
    ? await joinHere(cluster, "b", { workers: 1 })
    : undefined;
  let a: Cluster | undefined;
  let second: Cluster | undefined;
  try {
    a = await joinTapped(cluster, back);
    a.onError(() => {});
    first ??= await joinHere(cluster, "b", { workers: 1 });
    first.onError(() => {});
    await knowsWorkers(a, 2);
    await knowsWorkers(first, 2);
    // The worker there first is worker 0.
    const worker = bFirst ? 1 : 0;
    // Host a's worker is reloaded: host b's first process hears it.
    const ready = event(first, "ready", worker);
    await waitFor(a.reload(worker), "host a's worker to be reloaded");
    await waitFor(ready, "host b to hear host a's worker ready");
    const left = event(a, "hostLeft", managerOf("b"));
    await first[Symbol.asyncDispose]();
    await waitFor(left, "host a to see host b leave");

    const joined = event(a, "hostJoined", managerOf("b"));
    second = await joinHere(cluster, "b", { workers: 1 });
    second.onError(() => {});
    await waitFor(joined, "host a to see host b join again");
    await knowsWorkers(second, 2);
    const heardSecond = heardOf(second, worker);
    // Host b is back from being cut off, host a hears: it tells b again what b missed.
    for (const listener of back) listener("b");
    // Then host a's worker crashes: b's second process hears of it, and of nothing before.
    const restarted = Promise.withResolvers<void>();
    second.onLifecycle((e: LifecycleEvent) => {
      if (e.address === worker && e.type === "ready" && heardSecond.includes(`restart ${worker}`)) {
        restarted.resolve();
      }
    });
    a.sendMessage("crash", null, worker);
    await waitFor(restarted.promise, "host b's second process to hear host a's worker back");
    assert.deepEqual(heardSecond, [`exit ${worker}`, `restart ${worker}`, `ready ${worker}`]);
  } finally {
    await first?.[Symbol.asyncDispose]();
    await second?.[Symbol.asyncDispose]();
    await a?.[Symbol.asyncDispose]();
  }
}
