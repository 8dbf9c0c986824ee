/**
 * The frame's `timeout` tells the responder when its requester stops
 * waiting (README, Protocol): past it, an answer goes to nobody who asked.
 * It went: only a requester that was gone kept it from being sent. A
 * handler that hands its signal on (README's `fetch(url, { signal:
 * msg.signal })`) rejects as the timeout passes, and its answer could
 * beat the requester's own timer: `request()` then rejected with a
 * `RemoteError` "TimeoutError: The request timed out at its requester"
 * rather than its `TimeoutError` (trial 20, a Node.js requester whose
 * timer fired a little after a Deno worker's), or, on the memory
 * transport, resolved with what the handler gave after its timeout; and
 * one that came after went to the response action's listeners, as a
 * message nobody asked for.
 */

import assert from "node:assert/strict";
import { MANAGER } from "../src/address.ts";
import { TimeoutError } from "../src/errors.ts";
import type { Router } from "../src/router.ts";
import { waitFor } from "./helpers.ts";
import { type NetworkTest, testOnEveryNetwork } from "./networks.ts";

/**
 * Worker 1 answers "slowRequest" once its signal aborts (its timeout
 * passed), with "too late" or, `fails`, with the signal's reason, as a
 * handler that hands it on does; then says "answered" to worker 0 (after
 * the answer, on the same connection).
 */
function answerWhenTimedOut(r1: Router, fails: boolean): void {
  r1.listeners.handle("slowRequest", async (_data, msg) => {
    const signal = (msg as { signal: AbortSignal }).signal;
    if (!signal.aborted) {
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    }
    setTimeout(() => r1.sendMessage("answered", null, 0));
    if (fails) throw signal.reason;
    return "too late";
  });
}

/** What worker 0 hears of "slowResponse" until worker 1 says it answered. */
async function heardUntilAnswered(
  r0: Router,
  ask: () => Promise<unknown>,
  rejection: (error: unknown) => boolean,
): Promise<unknown[]> {
  const heard: unknown[] = [];
  r0.listeners.on("slowResponse", (data) => heard.push(data));
  const answered = Promise.withResolvers<void>();
  r0.listeners.on("answered", () => answered.resolve());
  await assert.rejects(ask(), rejection);
  await waitFor(answered.promise, "worker 1 to answer");
  return heard;
}

const tests: NetworkTest[] = [false, true].map((fails): NetworkTest => [
  `an answer ${fails ? "that fails " : ""}to a request whose timeout passed is not sent`,
  async (network) => {
    await network.open(MANAGER);
    const [r0, r1] = [await network.router(0), await network.router(1)];
    answerWhenTimedOut(r1, fails);
    const heard = heardUntilAnswered(
      r0,
      () => r0.request("slowRequest", null, { to: 1, timeout: 20 }),
      // Its own: no answer came first, failed or not.
      (error) => error instanceof TimeoutError,
    );
    assert.deepEqual(await heard, []);
  },
]);

testOnEveryNetwork(tests);
