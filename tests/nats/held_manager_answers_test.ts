/**
 * A manager's own answer to another host that the window to that host has
 * no room for: held in the manager until it has, as a child's answers are
 * (`held_answers.ts`), also while its host stops. Before, it was refused at
 * once with `QueueFullError`, after its handler had run: so was the error
 * answer sent instead, and the requester waited out its timeout. Host b's
 * link here says its window to host a is full for its manager's sends until
 * the test confirms, as host a would.
 */

import assert from "node:assert/strict";
import { Cluster, managerOf, QueueFullError } from "../../mod.ts";
import { natsBroker } from "../../nats.ts";
import type { BrokerLink } from "../../src/broker.ts";
import { nextTask } from "../../src/next_task.ts";
import { FULL } from "../../src/transport.ts";
import { WAIT, waitFor } from "../helpers.ts";
import { HOST_WORKER, joinHere, knowsWorkers, NATS, natsAnswers, uniqueCluster } from "./hosts.ts";

const MANAGER_B = managerOf("b");

/** Host b's link: its manager's sends find the window to host a full until `confirmed`. */
interface Narrowed {
  full: boolean;
  /** Resolves as a send from host b's manager finds the window full. */
  refused: PromiseWithResolvers<void>;
  /** Resolved by the test as host a confirms: the window makes room then, if b still reads. */
  confirmed: PromiseWithResolvers<void>;
  /** Set once host b stops reading: no confirmation comes after. */
  stoppedReading: boolean;
  /** Resolves as host b's link closes. */
  closed: PromiseWithResolvers<void>;
  /** Resolved by the test: host b's handler of "askBLater" answers then. */
  released: PromiseWithResolvers<void>;
}

function narrowed(): Narrowed {
  return {
    full: false,
    refused: Promise.withResolvers(),
    confirmed: Promise.withResolvers(),
    stoppedReading: false,
    closed: Promise.withResolvers(),
    released: Promise.withResolvers(),
  };
}

function narrow(link: BrokerLink, narrowed: Narrowed): BrokerLink {
  return new Proxy(link, {
    get(target, key) {
      if (key === "send") {
        return (...args: Parameters<BrokerLink["send"]>) => {
          if (!narrowed.full || args[0] !== MANAGER_B) return target.send(...args);
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

/** Host b, this process, whose manager answers "askB" with what it was sent. */
async function startB(cluster: string, window: Narrowed): Promise<Cluster> {
  const broker = natsBroker({ servers: NATS, cluster, host: "b" });
  const b = await Cluster.start({
    worker: HOST_WORKER,
    workers: 1,
    broker: { join: async (request) => narrow(await broker.join(request), window) },
  });
  b.handle("askB" as never, ((data: unknown) => data) as never);
  // Answered once the test releases it: a handler still running as the stop begins.
  b.handle(
    "askBLater" as never,
    (async (data: unknown) => {
      await window.released.promise;
      return data;
    }) as never,
  );
  return b;
}

/** Host a asks host b's manager, once both know each other, the window to a full. */
async function askB(
  a: Cluster,
  b: Cluster,
  window: Narrowed,
): Promise<{ answer: Promise<unknown> }> {
  await knowsWorkers(a, 2);
  await knowsWorkers(b, 2);
  window.full = true;
  const answer = a.request("askB" as never, "x" as never, { to: MANAGER_B, timeout: 20_000 });
  answer.catch(() => {});
  await waitFor(window.refused.promise, "host b's answer to find the window full");
  // Wrapped: an async function's promise would take on the answer's.
  return { answer };
}

Deno.test({
  name: "a manager's answer to another host waits for room in the window, not refused at once",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    const window = narrowed();
    const errors: Error[] = [];
    await using b = await startB(cluster, window);
    b.onError((error) => errors.push(error));
    await using a = await joinHere(cluster, "a", { workers: 1 });
    const { answer } = await askB(a, b, window);
    let settled = false;
    answer.then(() => settled = true, () => settled = true);
    // Another round trip to host a: the answer, refused, would have come by then.
    await waitFor(a.request("echoRequest", "y", { to: 0 }), "a round trip on host a");
    assert.equal(settled, false, "the answer went before the window had room");
    window.confirmed.resolve();
    const answered = await waitFor(answer, "the answer");
    assert.equal(answered, "x");
    assert.deepEqual(errors.map((error) => error.message), []);
  },
});

Deno.test({
  name: "a manager's answer held for room in the window reaches the other host though it stops",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    const window = narrowed();
    const b = await startB(cluster, window);
    let stopped: Promise<void> | undefined;
    try {
      await using a = await joinHere(cluster, "a", { workers: 1 });
      a.onError(() => {});
      b.onError(() => {});
      const { answer } = await askB(a, b, window);
      stopped = b.stop();
      // Once its children are gone, the manager stops reading the other
      // hosts, unless it waits for its answer: the confirmation comes after.
      await stateIs(b, 0, "stopped");
      window.confirmed.resolve();
      const answered = await waitFor(answer, "the answer");
      assert.equal(answered, "x");
      await waitFor(stopped, "host b to stop");
    } finally {
      await (stopped ?? b.stop());
    }
  },
});

Deno.test({
  name: "a stopping manager waits for the answer its running handler gives as the window is full",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    const window = narrowed();
    const b = await startB(cluster, window);
    let stopped: Promise<void> | undefined;
    try {
      await using a = await joinHere(cluster, "a", { workers: 1 });
      a.onError(() => {});
      b.onError(() => {});
      await knowsWorkers(a, 2);
      await knowsWorkers(b, 2);
      window.full = true;
      const answer = a.request("askBLater" as never, "x" as never, {
        to: MANAGER_B,
        timeout: 20_000,
      });
      answer.catch(() => {});
      // Running as the stop begins; it answers once host b's children are gone.
      await waitFor(until(() => b.stats().handlersRunning === 1), "the handler to run");
      stopped = b.stop();
      await stateIs(b, 0, "stopped");
      window.released.resolve();
      await waitFor(window.refused.promise, "host b's answer to find the window full");
      // Host a's confirmation comes over the network, in a later task: by
      // then the stop, which went on once the handler settled (in
      // microtasks), had stopped reading, and never heard it.
      await nextTask();
      window.confirmed.resolve();
      assert.equal(await waitFor(answer, "the answer"), "x");
      await waitFor(stopped, "host b to stop");
    } finally {
      await (stopped ?? b.stop());
    }
  },
});

/** Resolves once `holds()` (checked each 5 ms). */
async function until(holds: () => boolean): Promise<void> {
  while (!holds()) await new Promise((resolve) => setTimeout(resolve, 5));
}

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

const MANAGER_A = managerOf("a");

/**
 * Host b's link with the window to host a partly confirmed: sends from
 * its manager find it full while `full`, and a wait for the window to
 * empty (`drained(0)`) lasts until `emptied`, while a wait for less room
 * is over at once.
 */
interface PartlyConfirmed {
  full: boolean;
  /** Resolves as a wait for the window to empty begins: a held answer's, after a refusal. */
  waitsForEmpty: PromiseWithResolvers<void>;
  /** Resolved by the test as host a confirms the rest. */
  emptied: PromiseWithResolvers<void>;
}

function partlyConfirmed(link: BrokerLink, window: PartlyConfirmed): BrokerLink {
  return new Proxy(link, {
    get(target, key) {
      if (key === "send") {
        return (...args: Parameters<BrokerLink["send"]>) =>
          window.full && args[0] === MANAGER_B ? FULL : target.send(...args);
      }
      if (key === "drained") {
        return async (limit: number, host?: string) => {
          if (limit === 0 && host !== undefined) {
            window.waitsForEmpty.resolve();
            await window.emptied.promise;
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
  name: "drain() to a process the manager's held answers wait for resolves only once a send may go",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    const window: PartlyConfirmed = {
      full: false,
      waitsForEmpty: Promise.withResolvers(),
      emptied: Promise.withResolvers(),
    };
    const broker = natsBroker({ servers: NATS, cluster, host: "b" });
    await using b = await Cluster.start({
      worker: HOST_WORKER,
      workers: 1,
      broker: { join: async (request) => partlyConfirmed(await broker.join(request), window) },
    });
    b.handle("askB" as never, ((data: unknown) => data) as never);
    await using a = await joinHere(cluster, "a", { workers: 1 });
    a.on("note" as never, (() => {}) as never);
    await knowsWorkers(a, 2);
    await knowsWorkers(b, 2);
    // Host a's manager asks host b's: the answer finds the window full, is
    // held, finds it full again as it has room, and waits for it to empty.
    window.full = true;
    const answer = a.request("askB" as never, "x" as never, { to: MANAGER_B, timeout: 20_000 });
    answer.catch(() => {});
    await waitFor(window.waitsForEmpty.promise, "the held answer to wait for the window to empty");
    window.full = false;
    // What host b's manager sends host a's goes behind its answer: refused,
    // and said so (not "0 bytes are queued for it already, and the limit is
    // 8388608", which no drain could mend).
    assert.throws(
      () => b.sendMessage("note" as never, null as never, MANAGER_A),
      (error: Error) => {
        assert.ok(error instanceof QueueFullError);
        assert.match(
          error.message,
          /^Cannot send "note" to the manager of host "a": it would go after this process's answers to it, which wait for room in the window to its host \(\d+ of its \d+ bytes are sent and not confirmed yet\); await drain\(\) first$/,
        );
        return true;
      },
    );
    let drained = false;
    const draining = b.drain(MANAGER_A).then(() => drained = true);
    // A round trip on host a: a drain that resolves at once has by then.
    await waitFor(a.request("echoRequest", "y", { to: 0 }), "a round trip on host a");
    assert.equal(drained, false, "drain() resolved while a send to that process is refused");
    window.emptied.resolve();
    await waitFor(draining, "the drain");
    assert.equal(b.sendMessage("note" as never, null as never, MANAGER_A), 1);
    assert.equal(await waitFor(answer, "the answer"), "x");
  },
});
