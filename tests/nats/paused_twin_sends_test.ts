/**
 * A host paused past its keys' lifetime, whose name and worker id a new
 * process took meanwhile: what its worker sent while it was paused (queued
 * in its manager's socket) must not go out, once it runs again, under the
 * address the new process holds.
 */

import assert from "node:assert/strict";
import { MESSAGE, readEnvelopes } from "../../src/nats/envelope.ts";
import { remote, waitFor } from "../helpers.ts";
import { natsAnswers } from "./hosts.ts";
import { pauseUntilReplaced, resumeUntilLeft, twoHosts } from "./paused_twin.ts";

Deno.test({
  name:
    "a host paused while a new process took its name sends nothing its worker queued meanwhile once it runs again",
  ignore: !natsAnswers,
  async fn() {
    await using hosts = await twoHosts();
    const { cluster, a } = hosts;
    // Worker 0 (old b) ticks to worker 1 (a) until b leaves, paused or not.
    const ticking = remote(a, 0, { op: "ticks", to: 1, pace: 10 }).catch(() => {});
    await waitFor(
      (async () => {
        while ((await a.request("ticksSoFar", null, { to: 1 }) as number[]).length === 0);
      })(),
      "a first tick",
    );
    await using _newB = await pauseUntilReplaced(hosts, () => ticking);

    // What goes to a's subject, until the old b has left.
    let fromB = 0;
    await resumeUntilLeft(hosts, (nc) =>
      nc.subscribe(`switchboard.${cluster}.a`, {
        callback: (_, message) => {
          readEnvelopes(message.data, (envelope) => {
            if (envelope.host === "b" && envelope.kind === MESSAGE) fromB++;
          });
        },
      }));
    assert.equal(fromB, 0);
  },
});
