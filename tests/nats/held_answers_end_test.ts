/**
 * A worker's answer to another host, held in its manager for room in the
 * window, and the worker's end: its manager told the other hosts that it
 * ended as its connection closed, before the answer it held went. There,
 * the request it had answered failed, as one it took and never answered;
 * the answer came after, to nobody. Host b's link here says its window to
 * host a is full until the test lets it drain.
 */

import assert from "node:assert/strict";
import { Cluster } from "../../mod.ts";
import { natsBroker } from "../../nats.ts";
import type { BrokerLink } from "../../src/broker.ts";
import { FULL } from "../../src/transport.ts";
import { event, remote, waitFor } from "../helpers.ts";
import { HOST_WORKER, NATS, natsAnswers, quietBeside, uniqueCluster, workersOf } from "./hosts.ts";

/** Host b's link, with a window to host a full for worker 0 while `full` is set. */
interface Narrowed {
  full: boolean;
  /** Resolves as a send from worker 0 finds the window full. */
  refused: PromiseWithResolvers<void>;
  /** Resolves as the window drains. */
  drains: PromiseWithResolvers<void>;
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
          if (narrowed.full && host !== undefined) await narrowed.drains.promise;
          return target.drained(limit, host);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * Host b (one worker, `options` beside, its link narrowed as `narrowed`
 * says) and this process as host a (one worker), each knowing the other's
 * workers: both stopped when disposed, a first.
 */
async function narrowedHosts(
  options: { maxFrameSize?: number } = {},
): Promise<{ a: Cluster; b: Cluster; narrowed: Narrowed } & AsyncDisposable> {
  const cluster = uniqueCluster();
  const narrowed: Narrowed = {
    full: false,
    refused: Promise.withResolvers(),
    drains: Promise.withResolvers(),
  };
  const broker = natsBroker({ servers: NATS, cluster, host: "b" });
  const b = await Cluster.start({
    worker: HOST_WORKER,
    workers: 1,
    ...options,
    broker: { join: async (request) => narrow(await broker.join(request), narrowed) },
  });
  let a: Cluster;
  try {
    a = await quietBeside(cluster, b);
  } catch (error) {
    await b[Symbol.asyncDispose]();
    throw error;
  }
  return {
    a,
    b,
    narrowed,
    async [Symbol.asyncDispose]() {
      await a[Symbol.asyncDispose]();
      await b[Symbol.asyncDispose]();
    },
  };
}

Deno.test({
  name: "an answer held for room in the window reaches the other host though its worker ended",
  ignore: !natsAnswers,
  async fn() {
    await using hosts = await narrowedHosts();
    const { a, b, narrowed } = hosts;
    narrowed.full = true;
    const answer = a.request("echoRequest", "x", { to: 0, timeout: 20_000 });
    answer.catch(() => {});
    await waitFor(narrowed.refused.promise, "worker 0's answer to find the window full");
    // Worker 0 stops gracefully, its answer held; its next process is ready.
    const ready = event(b, "ready", 0);
    await waitFor(b.reload(0), "worker 0 to be reloaded");
    await waitFor(ready, "worker 0 to be ready again");
    narrowed.full = false;
    narrowed.drains.resolve();
    const answered = await waitFor(answer, "the answer");
    assert.equal((answered as { data: string }).data, "x");
  },
});

Deno.test({
  name: "a request another host refuses fails at once though the window back is full",
  ignore: !natsAnswers,
  async fn() {
    // Host b's frames smaller than host a's: a request of 100,000 bytes is refused.
    await using hosts = await narrowedHosts({ maxFrameSize: 65_536 });
    const { a, narrowed } = hosts;
    const [onA] = workersOf(a);
    narrowed.full = true;
    const asked = remote(a, onA, {
      op: "request",
      action: "echoRequest",
      data: "x".repeat(100_000),
      to: 0,
      timeout: 20_000,
    });
    // Its answer, failed as never delivered, waits for room; before, a
    // refusal that kept the worker's plain requests open went instead, and
    // the request waited out its timeout.
    await waitFor(narrowed.refused.promise, "the refusal's answer to find the window full");
    narrowed.full = false;
    narrowed.drains.resolve();
    const outcome = await waitFor(asked, "the request to fail");
    assert.ok("error" in outcome, JSON.stringify(outcome));
    assert.match(JSON.stringify(outcome), /not delivered|over the/);
  },
});
