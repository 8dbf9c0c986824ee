/**
 * A host paused past its keys' lifetime, whose name and worker id a new
 * process took meanwhile: both subscribe to the name's subject, so once it
 * runs again the old one reads what was sent to the new one. It must
 * deliver none of it before it finds its keys taken and leaves.
 */

import assert from "node:assert/strict";
import { managerOf } from "../../mod.ts";
import { waitFor } from "../helpers.ts";
import {
  event,
  expired,
  joinHere,
  knowsWorkers,
  natsAnswers,
  startHost,
  uniqueCluster,
} from "./hosts.ts";

Deno.test({
  name:
    "a host paused while a new process took its name delivers nothing sent to that one once it runs again",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using oldB = startHost({ cluster, host: "b", workers: 1 });
    await oldB.ready();
    await using a = await joinHere(cluster, "a", { workers: 1 });
    const left = event(a, "hostLeft", managerOf("b"));
    Deno.kill(oldB.process.pid, "SIGSTOP");
    await waitFor(left, "a to see b leave");
    await expired(cluster, "w.0");
    await using newB = startHost({ cluster, host: "b", workers: 1 });
    assert.deepEqual((await newB.next("ready") as { workers: number[] }).workers, [0]);
    await knowsWorkers(a, 2);
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
