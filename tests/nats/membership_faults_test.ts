/**
 * The membership through a connection that drops while a refresh is on its
 * way: its answer never comes (the proxy mutes the server, then cuts).
 * Found by a review: the host waited out the client's 5 s for that answer
 * while the others counted its beats, and dropped it; and a refresh the
 * server had applied was taken, at the next, for another host's claim, and
 * the host left the cluster.
 */

import assert from "node:assert/strict";
import type { NatsConnection } from "@nats-io/transport-node";
import type { MembershipChange } from "../../src/broker.ts";
import { waitFor } from "../helpers.ts";
import { natsAnswers } from "./hosts.ts";
import { memberB } from "./member_b.ts";

const ignore = !natsAnswers;

Deno.test({
  name: "a refresh the server applied, whose answer never came, keeps the host's keys",
  ignore,
  async fn() {
    await using run = await memberB({ heartbeat: 500, hostTimeout: 20_000 });
    const worker = await run.changes("w.0");
    await worker.next(); // As b claimed it.
    run.proxy.mute();
    await worker.next(); // b's refresh, applied; its answer muted.
    run.proxy.cut();
    const after = await worker.next();
    assert.equal(after.operation, "PUT", `b's worker key after the cut: ${after.operation}`);
    assert.deepEqual(run.reports.map((error) => error.message), []);
  },
});

Deno.test({
  name: "a host whose refresh was on its way as its connection dropped is not taken for gone",
  ignore,
  async fn() {
    // The default beats: a host is gone to the others after 3 of theirs.
    await using run = await memberB({});
    const a = await run.join("a");
    const left: MembershipChange[] = [];
    const knowsB = Promise.withResolvers<void>();
    a.onChange((change) => {
      if (change.type === "left") left.push(change);
      else if (change.host.host === "b") knowsB.resolve();
    });
    if (!a.hosts().some((record) => record.host === "b")) {
      await waitFor(knowsB.promise, "a to know b");
    }
    const worker = await run.changes("w.0");
    const hostKey = await run.changes("h.b");
    await worker.next();
    await hostKey.next();
    run.proxy.mute();
    await worker.next(); // A round began; its answers muted.
    run.proxy.cut();
    await hostKey.next(); // b's next beat, as the others hear it.
    assert.deepEqual(left.map(({ host }) => host.host), [], "a never took b for gone");
    assert.ok(a.hosts().some((record) => record.host === "b"));
    assert.deepEqual(run.reports, []);
  },
});

Deno.test({
  name: "a host that reconnects several times in a row does not take the others for gone",
  ignore,
  async fn() {
    // Each reconnect starts a round of refreshes at once: b hears its own
    // writes in a burst, which is no more time for the others to refresh in.
    await using run = await memberB({});
    await run.join("a");
    const left: string[] = [];
    run.b.onChange((change) => change.type === "left" && left.push(change.host.host));
    const hostKey = await run.changes("h.a");
    await hostKey.next();
    for (let i = 0; i < 4; i++) {
      const back = reconnect(run.nb);
      run.proxy.cut();
      await back;
    }
    // Two more beats of a's, as the others hear them: b would have dropped a by then.
    await hostKey.next();
    await hostKey.next();
    assert.deepEqual(left, [], "b never took a for gone");
  },
});

/** Resolves at `nc`'s next reconnect. */
function reconnect(nc: NatsConnection): Promise<void> {
  return waitFor(
    (async () => {
      for await (const status of nc.status()) if (status.type === "reconnect") return;
    })(),
    "a reconnect",
  );
}

Deno.test({
  name: "leaving while NATS is away waits two beats at most, not the client's timeout for each key",
  ignore,
  async fn() {
    await using run = await memberB({}, 8);
    run.proxy.hold();
    run.proxy.cut();
    // The host key, then the addresses at once, each waited for a beat at
    // most; they expire by themselves. Before, 5 s a key, one after another.
    await waitFor(run.b.leave(), "b to leave", 5_000);
  },
});
