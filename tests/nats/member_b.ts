/**
 * Host "b" of a membership, for the membership's tests: joined through a
 * proxy to the shared server (to cut, hold or mute its connection), with a
 * connection of the test's own to watch and write its keys, other hosts
 * joined as the test asks, and faults injected into the key-value client.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { type KV, type KvEntry, Kvm } from "@nats-io/kv";
import { Membership } from "../../src/nats/membership.ts";
import { waitFor } from "../helpers.ts";
import { NATS, uniqueCluster } from "./hosts.ts";
import { NatsProxy } from "./proxy.ts";

/** Its beats (the defaults unless given). */
export type Beats = { heartbeat?: number; hostTimeout?: number };

/** What a call whose answer never came rejects with. */
export function timeout(): Promise<never> {
  return Promise.reject(new Error("TIMEOUT (injected)"));
}

/** Host "b" with `workers` workers (ids from 0), and what the test does with it. */
export async function memberB(beats: Beats, workers = 1) {
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
  const prototype = Object.getPrototypeOf(kv) as Record<"get" | "put", KV["get"]>;
  const original = { get: prototype.get, put: prototype.put };
  const watches: { stop(): void }[] = [];
  const others: Membership[] = [];
  return {
    cluster,
    proxy,
    nc,
    nb,
    b,
    kv,
    reports,
    /** The entries of `key` as they come, each awaited with a deadline. */
    async changes(key: string) {
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
    /** Another host, joined directly with b's beats (the next worker id free). */
    async join(host: string): Promise<Membership> {
      const other = await Membership.join(nc, {
        cluster,
        host,
        workers: 1,
        services: [],
        ...beats,
      });
      others.push(other);
      return other;
    },
    /**
     * Runs `fault` in place of each `method` call for `key` (other keys
     * pass): it gets the call's options and the call itself, to make, delay
     * or fail (`timeout()`, as an answer lost would).
     */
    intercept(
      method: "get" | "put",
      key: string,
      fault: (call: () => Promise<unknown>, options?: { previousSeq?: number }) => Promise<unknown>,
    ) {
      const before = prototype[method] as (...args: unknown[]) => Promise<unknown>;
      prototype[method] = function (this: KV, k: string, ...rest: unknown[]) {
        const call = () => before.call(this, k, ...rest);
        return k === key ? fault(call, rest[1] as { previousSeq?: number }) : call();
      } as KV["get"];
    },
    async [Symbol.asyncDispose]() {
      Object.assign(prototype, original);
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
