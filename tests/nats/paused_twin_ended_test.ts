/**
 * A host paused past its keys' lifetime, whose name and worker id a new
 * process took meanwhile: that its own worker 0 ended while it was paused
 * must not be told to the other hosts, once it runs again, as worker 0 is
 * the new process's now, and what they asked of it would fail.
 */

import assert from "node:assert/strict";
import { natsAnswers } from "./hosts.ts";
import { pauseUntilReplaced, resumeUntilLeft, twoHosts } from "./paused_twin.ts";

Deno.test({
  name:
    "a host paused while a new process took its name says nothing, once it runs again, of its worker that ended meanwhile",
  ignore: !natsAnswers,
  async fn() {
    await using hosts = await twoHosts();
    const { oldB, a } = hosts;
    const { pids } = await oldB.ready();
    // What the old b had of a's by then, which its word would speak of:
    // more than a will have sent the new b.
    for (let n = 0; n < 10; n++) assert.equal(a.sendMessage("loggedTick", n, 0), 1);
    await oldB.next("loggedTick", (n) => n === 9);
    // Its worker ends while its manager is paused, which sees it once it runs again.
    await using newB = await pauseUntilReplaced(hosts, () => {
      Deno.kill(pids[0], "SIGKILL");
      return Promise.resolve();
    });
    // Answered once "release" comes: open until the old b has left.
    const asked = a.request("holdRequest", null, { to: 0, timeout: 20_000 })
      .catch((error: Error) => error);
    await resumeUntilLeft(hosts);
    assert.equal(a.sendMessage("release", null, 0), 1);
    assert.equal(await asked, "released");
    assert.deepEqual(newB.all("error"), []);
  },
});
