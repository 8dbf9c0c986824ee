/**
 * A host paused past its keys' lifetime, whose name and worker id a new
 * process took meanwhile: both subscribe to the name's subject, so once it
 * runs again the old one reads what was sent to the new one. It must
 * deliver none of it before it finds its keys taken and leaves.
 */

import assert from "node:assert/strict";
import { natsAnswers } from "./hosts.ts";
import { pauseUntilReplaced, twoHosts } from "./paused_twin.ts";

Deno.test({
  name:
    "a host paused while a new process took its name delivers nothing sent to that one once it runs again",
  ignore: !natsAnswers,
  async fn() {
    await using hosts = await twoHosts();
    const { oldB, a } = hosts;
    await using newB = await pauseUntilReplaced(hosts);
    for (let n = 0; n < 100; n++) assert.equal(a.sendMessage("loggedTick", n, 0), 1);
    await newB.next("loggedTick", (n) => n === 99);

    // The old b reads all 100 as it runs again, long before its refresh's answer.
    Deno.kill(oldB.process.pid, "SIGCONT");
    await oldB.next("error", (message) => /lost worker 0 to another host/.test(String(message)));
    // Stopped, with its worker: whatever that worker had is printed by then.
    Deno.kill(oldB.process.pid, "SIGTERM");
    await oldB.finished();
    assert.deepEqual(oldB.all("loggedTick"), []);
    assert.deepEqual(newB.all("loggedTick"), Array.from({ length: 100 }, (_, n) => n));
  },
});
