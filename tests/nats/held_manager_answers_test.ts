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
import { stateIs, waitFor } from "../helpers.ts";
import {
  HOST_WORKER,
  joinHere,
  knowsWorkers,
  NATS,
  natsAnswers,
  quietBeside,
  uniqueCluster,
} from "./hosts.ts";
import { NarrowedWindow } from "./narrowed_window.ts";

const MANAGER_B = managerOf("b");

/**
 * Host b, this process, its window narrowed for its manager's sends; its
 * manager answers "askB" with what it was sent, and "askBLater" likewise
 * once `released` resolves (never, unless given).
 */
async function startB(
  cluster: string,
  window: NarrowedWindow,
  released: Promise<void> = new Promise(() => {}),
): Promise<Cluster> {
  const b = await window.join(cluster);
  b.handle("askB" as never, ((data: unknown) => data) as never);
  // Answered once the test releases it: a handler still running as the stop begins.
  b.handle(
    "askBLater" as never,
    (async (data: unknown) => {
      await released;
      return data;
    }) as never,
  );
  return b;
}

/** Host a asks host b's manager, the window to a full. */
async function askB(a: Cluster, window: NarrowedWindow): Promise<{ answer: Promise<unknown> }> {
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
    const window = new NarrowedWindow(MANAGER_B);
    const errors: Error[] = [];
    await using b = await startB(cluster, window);
    b.onError((error) => errors.push(error));
    await using a = await joinHere(cluster, "a", { workers: 1 });
    await knowsWorkers(a, 2);
    await knowsWorkers(b, 2);
    const { answer } = await askB(a, window);
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
    const window = new NarrowedWindow(MANAGER_B);
    const b = await startB(cluster, window);
    let stopped: Promise<void> | undefined;
    try {
      await using a = await quietBeside(cluster, b);
      const { answer } = await askB(a, window);
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
    const window = new NarrowedWindow(MANAGER_B);
    const released = Promise.withResolvers<void>();
    const b = await startB(cluster, window, released.promise);
    let stopped: Promise<void> | undefined;
    try {
      await using a = await quietBeside(cluster, b);
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
      released.resolve();
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
