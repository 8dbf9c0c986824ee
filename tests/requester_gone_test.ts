/**
 * A request whose requester's connection closed before it was answered:
 * its handler's signal aborts, a streamed answer stops, and the answer goes
 * nowhere, not to the next process at the requester's address; also when
 * the request waited for its process to be ready.
 */

import assert from "node:assert/strict";
import { type Address, MANAGER } from "../src/address.ts";
import { UnreachableError } from "../src/errors.ts";
import type { Router } from "../src/router.ts";
import { nextEvent, waitFor } from "./helpers.ts";
import { type TestNetwork, testOnEveryNetwork } from "./networks.ts";

/** Resolves once `peer`'s connection to the router `onGone` reports for has closed. */
function goneOf(peer: Address): { onGone(gone: Address): void; gone: Promise<void> } {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { onGone: (gone) => gone === peer && resolve(), gone: promise };
}

/**
 * Worker 1's next process: what it heard before the marker worker 0 sends
 * it now, which comes after anything worker 0 sent it before.
 */
async function heardBeforeMarker(network: TestNetwork, r0: Router): Promise<string[]> {
  const next = await network.router(1);
  const heard: string[] = [];
  const marker = nextEvent(
    (listener) =>
      next.listeners.onAny((message) => {
        if (message.action === "marker") listener(undefined);
        else heard.push(message.action);
      }),
    "the marker",
  );
  assert.equal(r0.sendMessage("marker", undefined, 1), 1);
  await marker;
  return heard;
}

testOnEveryNetwork([
  ["an answer whose requester is gone goes nowhere, not to its next process", async (network) => {
    await network.open(MANAGER);
    const left = goneOf(1);
    const r0 = await network.router(0, { onGone: left.onGone });
    const release = Promise.withResolvers<void>();
    const answered = Promise.withResolvers<boolean>();
    r0.listeners.handle("slowRequest", async (_data, msg) => {
      await release.promise;
      answered.resolve(msg.reply("late", undefined));
    });
    const r1 = await network.router(1);
    const asked = r1.request("slowRequest", undefined, { to: 0, timeout: 60_000 }).catch((e) => e);
    await r1.close();
    assert.ok(await asked instanceof Error);
    await waitFor(left.gone, "worker 1's connection to close");
    release.resolve();
    assert.equal(await answered.promise, false, "not sent");
    assert.deepEqual(await heardBeforeMarker(network, r0), []);
  }],
  [
    "a request held until its process is ready, whose requester left meanwhile: not run on, not answered",
    async (network) => {
      await network.open(MANAGER);
      const left = goneOf(1);
      const r0 = await network.router(0, { held: true, onGone: left.onGone });
      let yielded = 0;
      r0.listeners.handle("countStream", async function* () {
        while (true) yield ++yielded;
      });
      const aborted = Promise.withResolvers<boolean>();
      r0.listeners.handle("plainRequest", (_data, msg) => {
        aborted.resolve(msg.signal.aborted);
        return "late";
      });
      const r1 = await network.router(1);
      const plain = r1.request("plainRequest", undefined, { to: 0, timeout: 60_000 })
        .catch(() => {});
      const stream = r1.requestStream("countStream", undefined, { to: 0, timeout: 60_000 });
      const streamed = (async () => {
        for await (const _ of stream);
      })().catch(() => {});
      // Both are sent before the close, and come before it.
      await r1.close();
      await Promise.allSettled([plain, streamed]);
      await waitFor(left.gone, "worker 1's connection to close");
      r0.ready();
      assert.equal(await waitFor(aborted.promise, "the plain handler"), true, "its signal aborted");
      await waitFor(r0.handlersSettled(), "the handlers to settle");
      assert.equal(yielded, 0, "the stream was not run");
      assert.equal(r0.stats().handlersRunning, 0);
      assert.deepEqual(await heardBeforeMarker(network, r0), []);
    },
  ],
  [
    "a message to a requester was refused, which is still there: its handlers stop, and their answers go",
    async (network) => {
      await network.open(MANAGER);
      const r0 = await network.router(0);
      const started = Promise.withResolvers<void>();
      r0.listeners.handle("slowRequest", async (_data, msg) => {
        started.resolve();
        await new Promise((resolve) => msg.signal.addEventListener("abort", resolve));
        return (msg.signal.reason as DOMException).message;
      });
      const r1 = await network.router(1);
      const asked = r1.request("slowRequest", undefined, { to: 0, timeout: 60_000 });
      await waitFor(started.promise, "the handler to start");
      // As a host says of one message it refused (too large for its frames, say).
      r0.gone(1, new UnreachableError("refused"), { there: true });
      assert.equal(await waitFor(asked, "the answer"), "A message to the requester was refused");
    },
  ],
]);
