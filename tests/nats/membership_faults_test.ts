/**
 * The membership through a connection that drops while a refresh is on its
 * way: its answer never comes (the proxy mutes the server, then cuts).
 * Found by a review: the host waited out the client's 5 s for that answer
 * while the others counted its beats, and dropped it; and a refresh the
 * server had applied was taken, at the next, for another host's claim, and
 * the host left the cluster.
 */

import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type KvEntry, Kvm } from "@nats-io/kv";
import type { MembershipChange } from "../../src/broker.ts";
import { Membership } from "../../src/nats/membership.ts";
import { waitFor } from "../helpers.ts";
import { NATS, natsAnswers, uniqueCluster } from "./hosts.ts";
import { NatsProxy } from "./proxy.ts";

const ignore = !natsAnswers;

Deno.test({
  name: "a refresh the server applied, whose answer never came, keeps the host's keys",
  ignore,
  async fn() {
    await using run = await cutOff({ heartbeat: 500, hostTimeout: 20_000 });
    const worker = await run.changes("w.0");
    await worker.next(); // As b claimed it.
    run.proxy.mute();
    await worker.next(); // b's refresh, applied; its answer muted.
    run.proxy.cut();
    const after = await worker.next();
    assert.equal(after.operation, "PUT", `b's worker key after the cut: ${after.operation}`);
    assert.deepEqual(run.reports.map((error) => error.message), []);
  },
});

Deno.test({
  name: "a host whose refresh was on its way as its connection dropped is not taken for gone",
  ignore,
  async fn() {
    // The default beats: a host is gone to the others after 3 of theirs.
    await using run = await cutOff({});
    const a = await run.joinA();
    const left: MembershipChange[] = [];
    const knowsB = Promise.withResolvers<void>();
    a.onChange((change) => {
      if (change.type === "left") left.push(change);
      else if (change.host.host === "b") knowsB.resolve();
    });
    if (!a.hosts().some((record) => record.host === "b")) {
      await waitFor(knowsB.promise, "a to know b");
    }
    const worker = await run.changes("w.0");
    const hostKey = await run.changes("h.b");
    await worker.next();
    await hostKey.next();
    run.proxy.mute();
    await worker.next(); // A round began; its answers muted.
    run.proxy.cut();
    await hostKey.next(); // b's next beat, as the others hear it.
    assert.deepEqual(left.map(({ host }) => host.host), [], "a never took b for gone");
    assert.ok(a.hosts().some((record) => record.host === "b"));
    assert.deepEqual(run.reports, []);
  },
});

Deno.test({
  name: "a host that reconnects several times in a row does not take the others for gone",
  ignore,
  async fn() {
    // Each reconnect starts a round of refreshes at once: b hears its own
    // writes in a burst, which is no more time for the others to refresh in.
    await using run = await cutOff({});
    await run.joinA();
    const left: string[] = [];
    run.b.onChange((change) => change.type === "left" && left.push(change.host.host));
    const hostKey = await run.changes("h.a");
    await hostKey.next();
    for (let i = 0; i < 4; i++) {
      const back = reconnect(run.nb);
      run.proxy.cut();
      await back;
    }
    // Two more beats of a's, as the others hear them: b would have dropped a by then.
    await hostKey.next();
    await hostKey.next();
    assert.deepEqual(left, [], "b never took a for gone");
  },
});

/** Resolves at `nc`'s next reconnect. */
function reconnect(nc: NatsConnection): Promise<void> {
  return waitFor(
    (async () => {
      for await (const status of nc.status()) if (status.type === "reconnect") return;
    })(),
    "a reconnect",
  );
}

Deno.test({
  name: "leaving while NATS is away waits two beats at most, not the client's timeout for each key",
  ignore,
  async fn() {
    await using run = await cutOff({}, 8);
    run.proxy.hold();
    run.proxy.cut();
    // The host key, then the addresses at once, each waited for a beat at
    // most; they expire by themselves. Before, 5 s a key, one after another.
    await waitFor(run.b.leave(), "b to leave", 5_000);
  },
});

/**
 * Host "b" (worker 0, and more if `workers` says so) joined through a proxy to the shared server, and a
 * connection of the test's own, to watch its keys.
 */
async function cutOff(beats: { heartbeat?: number; hostTimeout?: number }, workers = 1) {
  const cluster = uniqueCluster();
  const proxy = new NatsProxy(Number(NATS.split(":")[1]));
  const nc = await connect({ servers: NATS });
  const nb = await connect({ servers: proxy.url, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
  const reports: Error[] = [];
  const b = await Membership.join(nb, {
    cluster,
    host: "b",
    workers,
    services: [],
    ...beats,
    report: (error) => reports.push(error),
  });
  const kv = await new Kvm(nc).open(`switchboard_${cluster}`);
  const watches: { stop(): void }[] = [];
  const others: Membership[] = [];
  return {
    cluster,
    proxy,
    nc,
    nb,
    reports,
    b,
    /** The entries of `key` as they come, each awaited with a deadline. */
    changes: async (key: string) => {
      const watch = await kv.watch({ key });
      watches.push(watch);
      const entries = watch[Symbol.asyncIterator]();
      return {
        next: async (): Promise<KvEntry> => {
          const { value, done } = await waitFor(entries.next(), `a change of ${key}`, 15_000);
          assert.ok(!done, `the watch of ${key} ended`);
          return value;
        },
      };
    },
    /** Host "a", joined directly (worker 1). */
    async joinA(): Promise<Membership> {
      const a = await Membership.join(nc, { cluster, host: "a", workers: 1, services: [] });
      others.push(a);
      return a;
    },
    async [Symbol.asyncDispose]() {
      for (const watch of watches) watch.stop();
      for (const other of others) await other.leave();
      await b.leave();
      await nb.close();
      await kv.destroy().catch(() => {});
      await nc.close();
      await proxy.close();
    },
  };
}
