import assert from "node:assert/strict";
import { MOST_FORGOTTEN } from "../../src/nats/incoming_order.ts";
import { type Outgoing, SendWindows } from "../../src/nats/send_windows.ts";

/** Sends `count` messages of `size` bytes from `from` to `to` on `out`, as the link does. */
function send(out: Outgoing, count: number, size: number, from: number | string, to: number) {
  for (let i = 0; i < count; i++) {
    out.sentBytes += size;
    out.inFlight.add(out.seq++, out.sentBytes, from, to);
  }
}

Deno.test("SendWindows frees a window as its host confirms, and wakes who waits for room", async () => {
  const windows = new SendWindows();
  send(windows.open("b"), 4, 100, 0, 1);
  assert.equal(windows.queued("b"), 400);
  let drained = false;
  const waiting = windows.drained(150, "b").then(() => drained = true);
  windows.confirm("b", 1, undefined, 1);
  assert.equal(windows.queued("b"), 200);
  await Promise.resolve();
  assert.equal(drained, false, "200 unconfirmed is over 150");
  windows.confirm("b", 2, undefined, 1);
  await waiting;
  assert.equal(windows.queued("b"), 100);
  assert.deepEqual(windows.connections().map((stats) => stats.bytesQueued), [100]);
});

Deno.test("SendWindows says what never came to a host that left with a bye", () => {
  const windows = new SendWindows();
  const out = windows.open("b");
  send(out, 2, 10, 0, 1);
  send(out, 3, 10, "logger", 2);
  assert.deepEqual(windows.close("b", 2, undefined, 1), new Map([["logger", new Map([[2, 2]])]]));
  assert.equal(windows.get("b"), undefined, "nothing more goes to it");
  assert.deepEqual(windows.close("c", undefined, undefined, 0), new Map());
});

Deno.test("SendWindows keeps what went to a host that vanished, to tell it once should it come back", () => {
  const windows = new SendWindows();
  send(windows.open("b"), 3, 10, 0, 1);
  windows.confirm("b", 0, undefined, 1);
  assert.deepEqual(windows.forget("b", 7), new Map([[0, new Map([[1, 2]])]]), "in doubt");
  assert.deepEqual(windows.takeForgotten("b"), { epoch: 7, round: 1, sent: 3 });
  assert.equal(windows.takeForgotten("b"), undefined, "told once");
});

Deno.test("SendWindows keeps the counts of an epoch that ended, to tell after a reconnect", () => {
  const windows = new SendWindows();
  send(windows.open("b"), 3, 10, 0, 1);
  send(windows.open("c"), 1, 10, 0, 2);
  windows.endEpoch(7);
  assert.equal(windows.get("b"), undefined, "every window closes");
  assert.deepEqual(windows.sentBefore("b", 7), { epoch: 7, round: 1, sent: 3 });
  assert.equal(windows.sentBefore("b", 6), undefined, "of another epoch, nothing is known");
  assert.deepEqual(windows.allSentBefore(), [
    { host: "b", count: { epoch: 7, round: 1, sent: 3 } },
    { host: "c", count: { epoch: 7, round: 2, sent: 1 } },
  ]);
});

Deno.test("SendWindows remembers what it sent the latest hosts that left, not every one", () => {
  const windows = new SendWindows();
  const hosts = Array.from({ length: MOST_FORGOTTEN + 1 }, (_, i) => `h${i}`);
  for (const host of hosts) {
    send(windows.open(host), 1, 10, 0, 1);
    windows.forget(host, 7);
  }
  assert.equal(windows.takeForgotten("h0"), undefined, "the oldest: let go");
  assert.deepEqual(windows.takeForgotten("h1"), { epoch: 7, round: 2, sent: 1 });
  assert.deepEqual(windows.takeForgotten(hosts.at(-1)!), {
    epoch: 7,
    round: MOST_FORGOTTEN + 1,
    sent: 1,
  });
});

Deno.test("SendWindows tells who sent what was lost, in this epoch or the one before", () => {
  const windows = new SendWindows();
  send(windows.open("b"), 3, 10, 0, 1);
  send(windows.get("b")!, 2, 10, "logger", 1);
  assert.deepEqual(
    windows.lost("b", 2, 2, undefined, 1),
    new Map<unknown, Map<unknown, number>>([[0, new Map([[1, 1]])], ["logger", new Map([[1, 1]])]]),
  );
  windows.endEpoch(7);
  send(windows.open("b"), 1, 10, 5, 1);
  assert.deepEqual(
    windows.lost("b", 0, 1, undefined, 2),
    new Map([[5, new Map([[1, 1]])]]),
    "this epoch's",
  );
  assert.deepEqual(
    windows.lost("b", 3, 2, 7, 1),
    new Map([["logger", new Map([[1, 2]])]]),
    "the one before",
  );
  assert.deepEqual(windows.lost("b", 0, 1, 6, 1), new Map(), "one before that: not known");
});

Deno.test("SendWindows holds the epoch before in doubt until its host confirms it, and says what is left", () => {
  const windows = new SendWindows();
  send(windows.open("b"), 3, 10, 0, 1);
  send(windows.open("c"), 1, 10, 0, 2);
  windows.endEpoch(7);
  send(windows.open("b"), 1, 10, 5, 1);
  assert.deepEqual(windows.unsettledBefore("b"), { epoch: 7, round: 1, sent: 3 }, "to tell again");
  windows.confirm("c", 0, 7, 2);
  assert.equal(windows.unsettledBefore("c"), undefined, "confirmed: settled");
  windows.confirm("b", 0, 6, 1);
  assert.deepEqual(windows.takeUnsettled(), [
    { host: "b", inDoubt: new Map([[0, new Map([[1, 3]])]]) },
  ], "another epoch's confirmation confirms nothing");
  assert.deepEqual(windows.takeUnsettled(), [], "told once");
  assert.equal(windows.queued("b"), 10, "this epoch's window is apart");
});

Deno.test("SendWindows tells what a host never confirmed of the epoch before as it leaves, with or without a bye", () => {
  const windows = new SendWindows();
  send(windows.open("b"), 3, 10, 0, 1);
  send(windows.open("c"), 3, 10, 0, 2);
  windows.endEpoch(7);
  send(windows.open("b"), 2, 10, 5, 1);
  send(windows.open("c"), 1, 10, 5, 2);
  // b's bye counts the epoch before: it had message 0 of it, and none of this one.
  assert.deepEqual(
    windows.close("b", 0, 7, 1),
    new Map([[0, new Map([[1, 2]])], [5, new Map([[1, 2]])]]),
  );
  assert.equal(windows.unsettledBefore("b"), undefined, "settled");
  // c died: what it never confirmed, of either epoch, is in doubt.
  assert.deepEqual(
    windows.forget("c", 8),
    new Map([[0, new Map([[2, 3]])], [5, new Map([[2, 1]])]]),
  );
  assert.deepEqual(windows.takeUnsettled(), [], "told once");
});

Deno.test("SendWindows takes a word of another count (round) to a host as of none of this one's", () => {
  const windows = new SendWindows();
  const old = windows.open("b");
  send(old, 2, 10, 0, 1);
  windows.forget("b", 7);
  // b is forgotten and sent to again: a new count, in the same epoch.
  const out = windows.open("b");
  assert.notEqual(out.round, old.round);
  send(out, 3, 10, 0, 1);
  windows.confirm("b", 1, undefined, old.round);
  assert.equal(windows.queued("b"), 30, "a late ack of the old count confirms nothing");
  assert.deepEqual(windows.lost("b", 0, 2, undefined, old.round), new Map(), "nor does its gap");
  assert.deepEqual(
    windows.after("b", 1, 1, old.round),
    new Map([[0, 3]]),
    "an end said of the old count: all of the new one is on its way",
  );
  assert.deepEqual(
    windows.close("b", 1, undefined, old.round),
    new Map([[0, new Map([[1, 3]])]]),
    "a bye of the old count: none of the new one came",
  );
});
