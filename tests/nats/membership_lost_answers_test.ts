/**
 * A host's refresh the server applied, whose answer never came, met by a
 * second failure as the host looks into it: the read of the key fails (a
 * timeout, as the connection blips again), or the host leaves meanwhile.
 * Found by a review of the fix for the first: the host took its own write
 * for another host's claim and left the cluster; and a claim retried after
 * the host left wrote its key back. The failures are injected into the
 * key-value client (its prototype, for the one call), against a real server.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { type KV, type KvEntry, Kvm } from "@nats-io/kv";
import { Membership } from "../../src/nats/membership.ts";
import { waitFor } from "../helpers.ts";
import { NATS, natsAnswers, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;

Deno.test({
  name: "a read that fails as the host looks into its own lost write does not make it leave",
  ignore,
  async fn() {
    await using run = await hostB();
    const worker = await run.changes("w.0");
    const mine = await worker.next();
    // b's own value written again, as its refresh whose answer it never had; and its read fails.
    run.failOnce("get", "w.0");
    await run.kv.put("w.0", mine.string());
    await worker.next();
    const after = await worker.next(); // b's next refresh, or its leaving.
    assert.equal(after.operation, "PUT");
    assert.deepEqual(run.reports.map((error) => error.message), []);
  },
});

Deno.test({
  name: "a claim retried after the host left writes nothing back",
  ignore,
  async fn() {
    await using run = await hostB();
    const hostKey = await run.changes("h.b");
    const mine = await hostKey.next();
    // Its read fails, and its claims time out, until it has left.
    run.failOnce("get", "h.b");
    const creates = run.failAlways("create", "h.b");
    await run.kv.put("h.b", mine.string());
    await hostKey.next();
    await waitFor(creates.first, "b to claim its key again");
    await run.b.leave();
    assert.equal((await hostKey.next()).operation, "DEL");
    const tried = creates.count();
    creates.stop();
    // Two beats more: a claim still retried would write b's key back.
    const beats = await run.changes("w.0");
    await beats.next();
    assert.equal((await run.kv.get("h.b"))?.operation, "DEL");
    assert.ok(creates.count() === tried, "no claim after b left");
  },
});

/** Host "b" (worker 0, a beat of 300 ms), a connection of the test's own, and the faults it injects. */
async function hostB() {
  const cluster = uniqueCluster();
  const nc = await connect({ servers: NATS });
  const nb = await connect({ servers: NATS });
  const reports: Error[] = [];
  const b = await Membership.join(nb, {
    cluster,
    host: "b",
    workers: 1,
    services: [],
    heartbeat: 300,
    hostTimeout: 20_000,
    report: (error) => reports.push(error),
  });
  const kv = await new Kvm(nc).open(`switchboard_${cluster}`);
  const prototype = Object.getPrototypeOf(kv) as Record<"get" | "create", KV["get"]>;
  const original = { get: prototype.get, create: prototype.create };
  const watches: { stop(): void }[] = [];
  return {
    b,
    kv,
    reports,
    /** Makes the next `method` call for `key` fail, as a timeout would. */
    failOnce(method: "get" | "create", key: string) {
      let armed = true;
      prototype[method] = function (this: KV, k: string, ...rest: unknown[]) {
        if (armed && k === key) {
          armed = false;
          return Promise.reject(new Error("TIMEOUT (injected)"));
        }
        return (original[method] as (...args: unknown[]) => Promise<KvEntry | null>).call(
          this,
          k,
          ...rest,
        );
      } as KV["get"];
    },
    /** Makes every `method` call for `key` fail until stopped; counts them. */
    failAlways(method: "get" | "create", key: string) {
      let count = 0;
      let stopped = false;
      const first = Promise.withResolvers<void>();
      const before = prototype[method];
      prototype[method] = function (this: KV, k: string, ...rest: unknown[]) {
        if (k === key && !stopped) {
          count++;
          first.resolve();
          return Promise.reject(new Error("TIMEOUT (injected)"));
        }
        if (k === key) count++;
        return (before as (...args: unknown[]) => Promise<KvEntry | null>).call(this, k, ...rest);
      } as KV["get"];
      return { first: first.promise, count: () => count, stop: () => stopped = true };
    },
    /** The entries of `key` as they come, each awaited with a deadline. */
    async changes(key: string) {
      const watch = await kv.watch({ key });
      watches.push(watch);
      const entries = watch[Symbol.asyncIterator]();
      return {
        next: async (): Promise<KvEntry> => {
          const { value, done } = await waitFor(entries.next(), `a change of ${key}`);
          assert.ok(!done, `the watch of ${key} ended`);
          return value;
        },
      };
    },
    async [Symbol.asyncDispose]() {
      Object.assign(prototype, original);
      for (const watch of watches) watch.stop();
      await b.leave();
      await nb.close();
      await kv.destroy().catch(() => {});
      await nc.close();
    },
  };
}
