/**
 * A host that stops while the cluster goes on loses nothing in silence:
 * what its children took is answered before they exit, and what comes for
 * them once they are told to exit is refused where its sender sees it.
 */

import assert from "node:assert/strict";
import { waitFor } from "../helpers.ts";
import { event, joinHere, knowsWorkers, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;

Deno.test({
  name:
    "as a host stops, a request its worker took after its stop work is answered before it exits",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using b = startHost({ cluster, host: "b", workers: 2 });
    await b.ready();
    await using a = await joinHere(cluster, "a", { workers: 0 });
    await knowsWorkers(a, 2);
    // Worker 1 holds a request, so host b's children are not told to exit until it is released.
    const held = a.request("holdRequest", null, { to: 1, timeout: 20_000 });
    await a.request("echoRequest", null, { to: 1 });
    b.process.kill("SIGTERM");
    await b.next("stopping", (by) => by === 0);
    // Taken after worker 0's stop work, and still running when it is told to exit.
    const slow = a.request("slowRequest", { ms: 1000 }, { to: 0, timeout: 20_000 });
    a.sendMessage("release", null, 1);
    assert.equal(await waitFor(held, "worker 1's answer"), "released");
    assert.deepEqual(await waitFor(slow, "worker 0's answer"), { by: 0 });
    await b.finished();
  },
});

Deno.test({
  name:
    "as a host stops, every message another host sends its worker is handled or reported to its sender",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using b = startHost({ cluster, host: "b", workers: 1 });
    await b.ready();
    await using a = await joinHere(cluster, "a", { workers: 0 });
    await knowsWorkers(a, 1);
    const reported: string[] = [];
    a.onError((error) => reported.push(error.message));
    const left = event(a, "hostLeft", "manager@b");
    let gone = false;
    left.then(() => gone = true, () => {});
    let sent = 0;
    const sending = (async () => {
      // One message a task until host b has left: as fast as it goes, with room for the rest.
      for (let n = 0; !gone; n++) {
        sent += a.sendMessage("loggedTick", n, 0);
        if (n === 100) b.process.kill("SIGTERM");
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    })();
    await waitFor(left, "host b to leave");
    await sending;
    await b.finished();
    const handled = new Set(b.all("loggedTick"));
    const refused = reported.map((message) => {
      const one =
        /^(A message|Message "loggedTick") from the manager of host "a" to worker 0 was not delivered/;
      const many = /^(\d+) messages from the manager of host "a" to worker 0 were not delivered/;
      return one.test(message) ? 1 : Number(many.exec(message)?.[1] ?? NaN);
    });
    assert.ok(refused.every(Number.isInteger), `only refusals reported: ${reported}`);
    assert.ok(sent > 100, `sent ${sent}`);
    assert.equal(
      handled.size + refused.reduce((sum, count) => sum + count, 0),
      sent,
      `${sent} sent, ${handled.size} handled, refused: ${reported}`,
    );
  },
});
