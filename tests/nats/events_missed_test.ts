/**
 * Lifecycle events lost on the way to another host though neither host's
 * connection to NATS dropped (a slow consumer's messages dropped): the
 * other host found the gap and said so, its senders were told, yet the
 * events were told again only after a reconnect, which never came; a
 * process there that heard a worker `exit` waited for its `ready` for ever.
 * Host a's link here drops host b's `$event` frames (as the gap would),
 * and hands the test host b's `onMissed` listeners, to say a missed some.
 * That a gap found is said to its sender's listeners is the second test's,
 * two links over a fake connection.
 */

import assert from "node:assert/strict";
import type { HostRecord } from "../../src/broker.ts";
import { type Members, NatsLink } from "../../src/nats/link.ts";
import { event, heardOf, waitFor } from "../helpers.ts";
import { fakeConnection } from "./fake_connection.ts";
import { EventTap } from "./event_tap.ts";
import { knowsWorkers, natsAnswers, uniqueCluster } from "./hosts.ts";

Deno.test({
  name: "events another host missed, though no connection dropped, are told it again",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    const onB = new EventTap();
    await using b = await onB.join(cluster, "b");
    const onA = new EventTap();
    const droppedTwo = Promise.withResolvers<void>();
    onA.onDrop = () => onA.dropped === 2 && droppedTwo.resolve();
    await using a = await onA.join(cluster, "a");
    a.onError(() => {});
    b.onError(() => {});
    await knowsWorkers(a, 2);
    await knowsWorkers(b, 2);
    const heard = heardOf(a, 0);
    // Worker 0, on host b, is reloaded: host a never hears of it.
    onA.dropping = true;
    const ready = event(b, "ready", 0);
    await waitFor(b.reload(0), "worker 0 to be reloaded");
    await waitFor(ready, "worker 0 to be ready again");
    await waitFor(droppedTwo.promise, "host a's link to drop worker 0's reload and ready");
    onA.dropping = false;
    assert.deepEqual(heard, []);
    // Host a says it missed some of host b's messages.
    const readyOnA = event(a, "ready", 0);
    for (const listener of onB.missed) listener("a");
    await waitFor(readyOnA, "host a to hear that worker 0 is ready again");
    assert.deepEqual(heard, ["reload 0", "ready 0"]);
  },
});

Deno.test("a host told that another missed some of its messages tells its listeners", async () => {
  const a: HostRecord = { host: "a", workers: [0], services: [] };
  const c: HostRecord = { host: "c", workers: [2], services: [] };
  const onA = linkOf(a, [c]);
  const onC = linkOf(c, [a]);
  const missed: string[] = [];
  onC.link.onMissed((host) => missed.push(host));
  // Two messages from c's worker 2 to a's worker 0, each in its own task: the first never comes.
  assert.ok(onC.link.send(2, 0, '{"action":"first"}') > 0);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.ok(onC.link.send(2, 0, '{"action":"second"}') > 0);
  await new Promise((resolve) => setTimeout(resolve, 0));
  const toA = onC.published.filter(([subject]) => subject === "p.a").map(([, bytes]) => bytes);
  assert.equal(toA.length, 2);
  onA.arrive(toA[1]);
  await new Promise((resolve) => setTimeout(resolve, 0));
  // a says so; c hears it.
  const toC = onA.published.filter(([subject]) => subject === "p.c").map(([, bytes]) => bytes);
  assert.ok(toC.length > 0, "a said nothing of the gap");
  for (const bytes of toC) onC.arrive(bytes);
  assert.deepEqual(missed, ["a"]);
  assert.deepEqual(onA.delivered, ['2 to 0: {"action":"second"}']);
  await onA.link.close();
  await onC.link.close();
});

/** Host `self`'s link over a fake connection, to itself and `others`: what it published, delivered. */
function linkOf(self: HostRecord, others: HostRecord[]) {
  const known = [self, ...others];
  const published: [string, Uint8Array][] = [];
  const members: Members = {
    self,
    hosts: () => known,
    hostOf: (address) => known.find((record) => record.workers.includes(address as number))?.host,
    onChange: () => () => {},
    mayHaveLapsed: () => false,
    onRefreshed: () => () => {},
    leave: () => Promise.resolve(),
    close() {},
  };
  let take: ((bytes: Uint8Array) => void) | undefined;
  const link = new NatsLink(fakeConnection(published), members, {
    prefix: "p",
    inbox: { take: (taker) => void (take = taker), drain: () => Promise.resolve() },
    window: 1 << 20,
    report: () => {},
  });
  const delivered: string[] = [];
  link.receive({
    deliver: (from, to, payload) =>
      void delivered.push(`${from} to ${to}: ${new TextDecoder().decode(payload)}`),
    lost() {},
    bounced() {},
    unconfirmed() {},
    ended() {},
  });
  return { link, published, delivered, arrive: (bytes: Uint8Array) => take!(bytes) };
}
