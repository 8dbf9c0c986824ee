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
    let reads = 0;
    run.intercept("get", "w.0", (call) => reads++ === 0 ? timeout() : call());
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
    // Another host's beats are the clock once b has left.
    const c = await run.join("c");
    // Its read fails, and its claims time out, until it has left.
    let reads = 0;
    run.intercept("get", "h.b", (call) => reads++ === 0 ? timeout() : call());
    let claims = 0;
    let failing = true;
    const claimed = Promise.withResolvers<void>();
    run.intercept("put", "h.b", (call, options) => {
      if (options?.previousSeq !== 0) return call();
      claims++;
      claimed.resolve();
      return failing ? timeout() : call();
    });
    await run.kv.put("h.b", mine.string());
    await hostKey.next();
    await waitFor(claimed.promise, "b to claim its key again");
    await run.b.leave();
    assert.equal((await hostKey.next()).operation, "DEL");
    const tried = claims;
    failing = false;
    // Two beats more: a claim still retried would write b's key back.
    const beats = await run.changes("h.c");
    for (let beat = 0; beat < 3; beat++) await beats.next();
    await c.leave();
    assert.equal((await run.kv.get("h.b"))?.operation, "DEL");
    assert.equal(claims, tried, "no claim after b left");
  },
});

Deno.test({
  name: "a claim that reads its key as the host leaves writes nothing back",
  ignore,
  async fn() {
    await using run = await hostB();
    const hostKey = await run.changes("h.b");
    const mine = await hostKey.next();
    // b's first read fails; its claim then finds the key taken and reads it
    // again, and that read is answered only once b has left.
    const reading = Promise.withResolvers<void>();
    const left = Promise.withResolvers<void>();
    let reads = 0;
    run.intercept("get", "h.b", async (call) => {
      const read = reads++;
      if (read === 0) return timeout();
      if (read === 1) {
        reading.resolve();
        await left.promise;
      }
      return call();
    });
    await run.kv.put("h.b", mine.string());
    await hostKey.next();
    await waitFor(reading.promise, "b's claim to read its key");
    await run.b.leave();
    left.resolve();
    assert.equal((await hostKey.next()).operation, "DEL");
    // Three beats of another host's: b's claim, had it written the key back, came before.
    const c = await run.join("c");
    const beats = await run.changes("h.c");
    for (let beat = 0; beat < 3; beat++) await beats.next();
    await c.leave();
    assert.equal((await run.kv.get("h.b"))?.operation, "DEL");
  },
});

/** What a call whose answer never came rejects with. */
function timeout(): Promise<never> {
  return Promise.reject(new Error("TIMEOUT (injected)"));
}

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
  const prototype = Object.getPrototypeOf(kv) as Record<"get" | "put", KV["get"]>;
  const original = { get: prototype.get, put: prototype.put };
  const watches: { stop(): void }[] = [];
  const others: Membership[] = [];
  return {
    b,
    kv,
    reports,
    /** Another host, joined as b is (worker 1). */
    async join(host: string): Promise<Membership> {
      const other = await Membership.join(nc, {
        cluster,
        host,
        workers: 1,
        services: [],
        heartbeat: 300,
        hostTimeout: 20_000,
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
      for (const other of others) await other.leave();
      await b.leave();
      await nb.close();
      await kv.destroy().catch(() => {});
      await nc.close();
    },
  };
}
