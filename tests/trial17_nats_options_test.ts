/**
 * Trial 17: README, Across hosts, Options of `natsBroker()`: `window` is
 * the bytes sent to one host and not confirmed above which sends are
 * refused, and `replicas` the copies of the membership bucket. Neither was
 * checked: a `window` that is not a number (`"abc"`, as read from an
 * environment variable gone wrong) turned the window off, so what is in
 * flight to another host was no longer bounded; `0` or `-5` started a
 * cluster that refused every message to another host ("over the -5-byte
 * limit"); `replicas: 0` failed the first host's join saying the bucket's
 * hosts keep "1 copies" where this one "would keep them in 0", and
 * `replicas: 1.5` with "invalid JSON". Each is a `TypeError` from
 * `natsBroker()`, as a bad `heartbeat` is.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { natsBroker, type NatsBrokerOptions } from "../nats.ts";
import { NATS, natsAnswers, uniqueCluster } from "./nats/hosts.ts";
import { WORKER } from "./helpers.ts";

const BAD: [string, Partial<NatsBrokerOptions>][] = [
  ["window", { window: "abc" as unknown as number }],
  ["window", { window: Number.NaN }],
  ["window", { window: 0 }],
  ["window", { window: -5 }],
  ["replicas", { replicas: 0 }],
  ["replicas", { replicas: 1.5 }],
];

for (const [option, bad] of BAD) {
  Deno.test({
    name: `natsBroker() refuses ${option}: ${String(Object.values(bad)[0])} with a TypeError`,
    ignore: !natsAnswers,
    async fn() {
      const start = async () =>
        await Cluster.start({
          worker: WORKER,
          workers: 0,
          broker: natsBroker({ servers: NATS, cluster: uniqueCluster(), host: "a", ...bad }),
        });
      const outcome = await start().then(
        async (cluster) => {
          await cluster.stop();
          return "it joined";
        },
        (error: Error) => error,
      );
      assert.ok(outcome instanceof TypeError, String(outcome));
      assert.match(outcome.message, new RegExp(`natsBroker\\(\\): "${option}"`));
    },
  });
}
