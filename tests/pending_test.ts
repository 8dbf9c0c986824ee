import assert from "node:assert/strict";
import { PendingRequests, Refusal, TIMED_OUT, TimedOutMisnamed } from "../src/pending.ts";
import { NoHandlerError, RemoteError } from "../src/errors.ts";
import { FakeClock } from "./fake_clock.ts";

const spec = (target: number, timeout: number, signal?: AbortSignal) => ({
  action: "pingRequest",
  responseAction: "pingResponse",
  target,
  timeout,
  signal,
});

Deno.test("PendingRequests settles a request by its messageId, on the message or in the data", async () => {
  const pending = new PendingRequests();
  const a = pending.open("a", spec(1, 60_000));
  const b = pending.open("b", spec(2, 60_000));
  assert.equal(pending.size, 2);
  assert.ok(
    !pending.answer({ action: "pingResponse", messageId: "a", re: true, data: 1 }, 2),
    "wrong sender",
  );
  assert.ok(
    !pending.answer({ action: "other", messageId: "a", re: true, data: 1 }, 1),
    "wrong action",
  );
  assert.ok(pending.answer({ action: "pingResponse", messageId: "a", re: true, data: 1 }, 1));
  assert.ok(pending.answer({ action: "pingResponse", data: { messageId: "b", n: 2 } }, 2));
  assert.deepEqual(await Promise.all([a, b]), [1, { messageId: "b", n: 2 }]);
  assert.equal(pending.size, 0);
  pending.close();
});

Deno.test("PendingRequests takes an answer written by hand that echoes the messageId its data carried", async () => {
  const pending = new PendingRequests();
  // As imi's requesters do: their own messageId, in the data.
  const a = pending.open("a", { ...spec(1, 60_000), dataId: "mine" });
  const b = pending.open("b", { ...spec(1, 60_000), dataId: "mine" });
  const c = pending.open("c", { ...spec(2, 60_000), dataId: "theirs" });
  const echo = (id: string, action = "pingResponse") => ({ action, data: { messageId: id } });
  assert.ok(!pending.answer(echo("theirs"), 1), "from another target");
  assert.ok(!pending.answer(echo("theirs", "other"), 2), "under another action");
  assert.ok(
    !pending.answer({ action: "pingResponse", messageId: "theirs", re: true, data: 1 }, 2),
    "on the frame, it is the request's own id or nothing",
  );
  assert.ok(pending.answer(echo("theirs"), 2));
  assert.deepEqual(await c, { messageId: "theirs" });
  // The first open request that carried it takes it, then the next one open.
  assert.ok(pending.answer(echo("mine"), 1));
  assert.deepEqual(await a, { messageId: "mine" });
  assert.ok(pending.answer({ action: "pingResponse", messageId: "b", re: true, data: 2 }, 1));
  assert.equal(await b, 2);
  assert.ok(!pending.answer(echo("mine"), 1), "none open carries it now");
  assert.equal(pending.size, 0);
  pending.close();
});

Deno.test("PendingRequests turns error responses into NoHandlerError and RemoteError", async () => {
  const pending = new PendingRequests();
  const a = pending.open("a", spec(1, 60_000));
  const b = pending.open("b", spec(1, 60_000));
  pending.answer({
    action: "pingResponse",
    messageId: "a",
    re: true,
    error: { name: "NoHandlerError", message: "m" },
  }, 1);
  pending.answer({
    action: "pingResponse",
    messageId: "b",
    re: true,
    error: { name: "TypeError", message: "bad", stack: "s" },
  }, 1);
  await assert.rejects(a, NoHandlerError);
  await assert.rejects(
    b,
    (error: unknown) =>
      error instanceof RemoteError && error.remoteName === "TypeError" &&
      error.remoteMessage === "bad" &&
      error.remoteStack === "s",
  );
  pending.close();
});

Deno.test("PendingRequests times requests out in deadline order with one shared timer", async () => {
  const clock = new FakeClock();
  const pending = new PendingRequests(clock);
  const order: string[] = [];
  const track = (id: string, timeout: number) =>
    pending.open(id, spec(1, timeout)).catch((reason) => {
      assert.equal(reason, TIMED_OUT);
      order.push(id);
    });
  const settled = Promise.all([track("late", 60), track("early", 10), track("middle", 30)]);
  const answered = pending.open("answered", spec(1, 20));
  assert.equal(clock.timers, 1, "one timer for them all");
  pending.answer({ action: "pingResponse", messageId: "answered", re: true, data: "in time" }, 1);
  assert.equal(await answered, "in time");
  clock.advance(9);
  assert.equal(pending.size, 3, "nothing is due yet");
  clock.advance(1);
  clock.advance(20);
  clock.advance(30);
  await settled;
  assert.deepEqual(order, ["early", "middle", "late"]);
  assert.equal(pending.size, 0);
  assert.equal(clock.timers, 0, "no timer is left");
});

Deno.test("PendingRequests names a reply of another action with its messageId when it times out, not the request itself", async () => {
  const clock = new FakeClock();
  const pending = new PendingRequests(clock);
  const misnamed = pending.open("a", spec(1, 10)).catch((reason) => reason);
  const toItself = pending.open("b", spec(1, 10)).catch((reason) => reason);
  const withoutRe = pending.open("c", spec(1, 10)).catch((reason) => reason);
  // A reply under another action, by msg.reply or by hand (data.messageId).
  assert.ok(!pending.answer({ action: "pong", messageId: "a", re: true, data: 1 }, 1));
  assert.ok(!pending.answer({ action: "pong2", data: { messageId: "a" } }, 1));
  // A request to itself comes back with its own messageId: no reply at all.
  assert.ok(!pending.answer({ action: "pingRequest", messageId: "b", data: 1 }, 1));
  // A hand-written answer under another action that forgot `re: true`.
  assert.ok(!pending.answer({ action: "pong3", messageId: "c", data: 1 }, 1));
  clock.advance(10);
  const reason = await misnamed;
  assert.ok(reason instanceof TimedOutMisnamed);
  assert.equal(reason.action, "pong", "the first that came");
  assert.equal(await toItself, TIMED_OUT);
  assert.equal(((await withoutRe) as TimedOutMisnamed).action, "pong3");
});

Deno.test("PendingRequests times out in deadline order when its timer fires late", async () => {
  // A process busy for 80 ms finds all three due when its timer finally runs.
  const clock = new FakeClock();
  const pending = new PendingRequests(clock);
  const order: string[] = [];
  const settled = Promise.all(
    [["late", 60], ["early", 10], ["middle", 30]].map(([id, timeout]) =>
      pending.open(id as string, spec(1, timeout as number)).catch(() => order.push(id as string))
    ),
  );
  clock.advance(80);
  await settled;
  assert.deepEqual(order, ["early", "middle", "late"]);
});

Deno.test("PendingRequests keeps one timer armed for the earliest deadline as requests come and go", async () => {
  const clock = new FakeClock();
  const pending = new PendingRequests(clock);
  const a = pending.open("a", spec(1, 100)).catch((reason) => reason);
  const b = pending.open("b", spec(1, 50)).catch((reason) => reason);
  assert.equal(clock.timers, 1, "re-armed for the earlier deadline, not a second timer");
  clock.advance(50);
  assert.equal(await b, TIMED_OUT);
  assert.equal(pending.size, 1);
  clock.advance(49);
  assert.equal(pending.size, 1, "not due before its deadline");
  clock.advance(1);
  assert.equal(await a, TIMED_OUT);
  assert.equal(clock.timers, 0);
});

Deno.test("PendingRequests times out on the machine's clock by default", async () => {
  const pending = new PendingRequests();
  await assert.rejects(pending.open("a", spec(1, 1)), (reason) => reason === TIMED_OUT);
  // No timer is left: the op sanitizer would fail this test.
});

Deno.test("PendingRequests rejects with an abort signal's reason, and fails by target or all", async () => {
  const pending = new PendingRequests();
  const controller = new AbortController();
  const aborted = pending.open("a", spec(1, 60_000, controller.signal));
  controller.abort("gave up");
  await assert.rejects(aborted, (reason) => reason === "gave up");
  const one = pending.open("b", spec(1, 60_000));
  const two = pending.open("c", spec(2, 60_000));
  pending.failTarget(1, (s) => new Error(`target ${s.target}`));
  await assert.rejects(one, /target 1/);
  assert.equal(pending.size, 1);
  pending.failAll((s) => new Error(`all ${s.target}`));
  await assert.rejects(two, /all 2/);
  pending.close();
});

Deno.test("PendingRequests refuses, by target, only the requests sent after the payloads that reached it", async () => {
  const clock = new FakeClock();
  const pending = new PendingRequests(clock);
  // The 2nd, 4th and 5th payloads sent to worker 1; a bye says its last 2 never came.
  const [second, fourth, fifth] = [2, 4, 5].map((sent, i) =>
    pending.open(`r${i}`, { ...spec(1, 60_000), sent })
  );
  clock.advance(1_000);
  const undelivered: boolean[] = [];
  pending.failTarget(1, (s, never) => {
    undelivered.push(never);
    return new Error(`${s.sent} ${never ? "never came" : "may have run"}`);
  }, (sent) => sent <= 3 ? "reached" : "undelivered");
  assert.deepEqual(undelivered, [false, true, true]);
  await assert.rejects(second, /2 may have run/);
  for (const [request, sent] of [[fourth, 4], [fifth, 5]] as const) {
    await assert.rejects(request, (refusal) => {
      assert.ok(refusal instanceof Refusal, "to be sent elsewhere");
      assert.match(refusal.error.message, new RegExp(`${sent} never came`));
      assert.equal(refusal.timeLeft, 59_000, "for the time it has left");
      return true;
    });
  }
  pending.close();
});

Deno.test("PendingRequests keeps, by target, the requests still on their way", async () => {
  const pending = new PendingRequests(new FakeClock());
  const [first, second] = [1, 2].map((sent, i) =>
    pending.open(`r${i}`, { ...spec(1, 60_000), sent })
  );
  pending.failTarget(1, () => new Error("may have run"), (sent) => sent <= 1 ? "reached" : "kept");
  await assert.rejects(first, /may have run/);
  assert.ok(pending.answer({ action: "pingResponse", messageId: "r1", re: true, data: 2 }, 1));
  assert.equal(await second, 2, "answered on its own");
  pending.close();
});
