/**
 * A host paused past its keys' lifetime, whose name a new process took,
 * told to stop as it runs again (SIGTERM while paused): it leaves without a
 * bye. Before, its stop said one under host "b" before any refresh found
 * its keys taken, and host a, taking it for the new b's, counted that one
 * gone for good: its requests to the new b's worker 0 failed.
 */

import assert from "node:assert/strict";
import { BYE, readEnvelopes } from "../../src/nats/envelope.ts";
import { natsAnswers } from "./hosts.ts";
import { pauseUntilReplaced, resumeUntilLeft, twoHosts } from "./paused_twin.ts";

Deno.test({
  name: "a host whose keys may have lapsed stops without a bye under the name another holds",
  ignore: !natsAnswers,
  async fn() {
    await using hosts = await twoHosts();
    const { cluster, a, oldB } = hosts;
    await using _newB = await pauseUntilReplaced(hosts);
    // Stopped while paused: it stops as soon as it runs again.
    Deno.kill(oldB.process.pid, "SIGTERM");
    let byes = 0;
    await resumeUntilLeft(hosts, (nc) =>
      nc.subscribe(`switchboard.${cluster}.a`, {
        callback: (_, message) => {
          readEnvelopes(message.data, (envelope) => {
            if (envelope.host === "b" && envelope.kind === BYE) byes++;
          });
        },
      }));
    await oldB.finished();
    assert.equal(byes, 0, "no bye under host b");
    assert.deepEqual(await a.request("echoRequest", 2, { to: 0 }), {
      data: 2,
      by: 0,
      from: "manager@a",
    });
  },
});
