/**
 * The membership bucket lost (a NATS server's store wiped, a server
 * replaced): the hosts make it again and claim their keys again, watch it
 * anew, and stop at once meanwhile; a host that finds its id taken leaves,
 * naming what it lost. (Found by a new user's trial: after a wiped store,
 * the hosts' watches ended for good, a host joining later was seen by
 * some hosts and not others, and a stop took 10 s per key.)
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { type KV, Kvm } from "@nats-io/kv";
import { managerOf } from "../../mod.ts";
import { waitFor } from "../helpers.ts";
import { event, joinHere, NATS, natsAnswers, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;

Deno.test({
  name: "the bucket lost: the hosts make it again, and all of them see a host that joins after",
  ignore,
  fn: () =>
    withBucket(async ({ cluster, kvm, lose }) => {
      await using b = await joinHere(cluster, "b", { workers: 1 });
      await using a = await joinHere(cluster, "a", { workers: 1 });
      await lose();
      // Each finds it gone as it refreshes its keys, and claims them again.
      await keysBack(kvm, cluster, ["h.a", "h.b", "w.0", "w.1"]);
      const joined = [a, b].map((host) => event(host, "hostJoined", managerOf("c")));
      await using c = await joinHere(cluster, "c", { workers: 1 });
      await waitFor(Promise.all(joined), "a and b to see c join");
      assert.equal(a.workerCount, 3);
      assert.deepEqual(await a.request("echoRequest", "x", { to: 2 }), {
        data: "x",
        by: 2,
        from: "manager@a",
      });
      assert.deepEqual(await c.request("echoRequest", "y", { to: 0 }), {
        data: "y",
        by: 0,
        from: "manager@c",
      });
    }),
});

Deno.test({
  name: "a host stops at once while its bucket is gone",
  ignore,
  fn: () =>
    withBucket(async ({ cluster, lose }) => {
      await using b = await joinHere(cluster, "b", { workers: 1 });
      await lose();
      // Each key it deletes as it leaves fails at once, rather than wait out a read (5 s).
      await waitFor(b.stop(), "b to stop", 3_000);
    }),
});

Deno.test({
  name: "a host whose worker id was taken while the bucket was lost leaves, naming the worker",
  ignore,
  fn: () =>
    withBucket(async ({ cluster, kvm, lose }) => {
      await using b = await joinHere(cluster, "b", { workers: 1 });
      await using a = await joinHere(cluster, "a", { workers: 1 });
      const errors: string[] = [];
      b.onError((error) => errors.push(error.message));
      await lose();
      // Made again, by another host, which took worker 0, b's, meanwhile.
      const kv = await kvm.create(`switchboard_${cluster}`, { history: 1, ttl: 3_500 });
      await kv.create("w.0", "x");
      const left = event(a, "hostLeft", managerOf("b"));
      await left;
      assert.ok(
        errors.some((message) => message.startsWith('Host "b" lost worker 0 to another host')),
        errors.join("\n"),
      );
    }),
});

/** A cluster of its own, and a way to lose its bucket, as a wiped store loses it. */
async function withBucket(
  test: (bucket: { cluster: string; kvm: Kvm; lose(): Promise<void> }) => Promise<void>,
): Promise<void> {
  const cluster = uniqueCluster();
  const nc = await connect({ servers: NATS });
  try {
    const kvm = new Kvm(nc);
    const lose = async () => {
      await (await kvm.open(`switchboard_${cluster}`)).destroy();
    };
    await test({ cluster, kvm, lose });
  } finally {
    await nc.close();
  }
}

/** Resolves once the hosts have made the bucket again and hold `keys` in it. */
async function keysBack(kvm: Kvm, cluster: string, keys: string[]): Promise<void> {
  let done = false;
  const holds = async (kv: KV) =>
    (await Promise.all(keys.map((key) => kv.get(key)))).every((entry) =>
      entry?.operation === "PUT"
    );
  try {
    await waitFor(
      (async () => {
        while (!done) {
          const kv = await kvm.open(`switchboard_${cluster}`).catch(() => undefined);
          if (kv && await holds(kv).catch(() => false)) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })(),
      `the hosts to hold ${keys.join(", ")} again`,
    );
  } finally {
    done = true;
  }
}
