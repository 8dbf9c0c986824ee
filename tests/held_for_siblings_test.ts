import assert from "node:assert/strict";
import type { Address } from "../src/address.ts";
import { UnreachableError } from "../src/errors.ts";
import { HeldForSiblings, type SiblingNews } from "../src/held_for_siblings.ts";
import { CLOSED, FULL, type Payload, TOO_LARGE, UNREACHABLE } from "../src/transport.ts";
import { waitFor } from "./helpers.ts";

/**
 * Holds whose manager answers when the test says, and whose transport
 * answers `answer` and counts a payload's bytes as `cost` says.
 */
function holds(
  answer: (to: Address) => number = () => 1,
  cost: (size: number) => number = (size) => size,
) {
  const syncs: { about: Address; answer: (news?: SiblingNews) => void }[] = [];
  const sent: [Address, string][] = [];
  const reported: Error[] = [];
  const replacing = new Set<Address>();
  const held = new HeldForSiblings({
    news: (about) => {
      const { promise, resolve } = Promise.withResolvers<SiblingNews>();
      syncs.push({ about, answer: (news = "answered") => resolve(news) });
      return promise;
    },
    send: (to: Address, payload: Payload) => {
      sent.push([to, new TextDecoder().decode(payload as Uint8Array)]);
      return answer(to);
    },
    report: (error) => void reported.push(error),
    replacing: (sibling) => replacing.has(sibling),
    cost: (_to, size) => cost(size),
  });
  return { held, syncs, sent, reported, replacing };
}

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("held messages go in order once the manager answers, after one question per sibling", async () => {
  const { held, syncs, sent } = holds();
  const first = bytes("a");
  assert.equal(held.hold(1, first, "note", 100), 1);
  first[0] = "z".charCodeAt(0); // a copy was held
  held.hold(1, "bc", "note", 100);
  held.hold("logger", bytes("d"), "log", 100);
  assert.deepEqual(syncs.map((sync) => sync.about), [1, "logger"]);
  assert.ok(held.holds(1));
  assert.equal(held.bytes(1), 3);
  syncs[0].answer();
  await Promise.resolve();
  assert.deepEqual(sent, [[1, "a"], [1, "bc"]]);
  assert.ok(!held.holds(1));
  assert.equal(held.bytes(1), 0);
  assert.ok(held.holds("logger"));
});

Deno.test("a message that would hold more than the limit for a sibling is refused", () => {
  const { held } = holds();
  assert.equal(held.hold(1, bytes("abc"), "note", 4), 3);
  assert.equal(held.hold(1, bytes("de"), "note", 4), FULL);
  assert.equal(held.bytes(1), 3);
  // Measured as UTF-8: "é" is two bytes.
  assert.equal(held.hold(2, "é", "note", 100, 1), TOO_LARGE);
  assert.equal(held.hold(2, "é", "note", 100, 2), 2);
});

Deno.test("held messages that cannot go are reported in one error, naming the actions and the sibling", async () => {
  const { held, syncs, reported } = holds(() => UNREACHABLE);
  held.hold(2, bytes("a"), "note", 100);
  held.hold(2, bytes("b"), "tick", 100);
  held.hold(2, bytes("c"), "note", 100);
  syncs[0].answer();
  await Promise.resolve();
  assert.equal(reported.length, 1);
  assert.ok(reported[0] instanceof UnreachableError);
  assert.equal(
    reported[0].message,
    '3 messages ("note", "tick") to worker 2, held until it could take them, were not delivered: it is not connected',
  );
  assert.equal((reported[0] as UnreachableError).action, "note");
  assert.equal((reported[0] as UnreachableError).peer, 2);
});

Deno.test("a held message lost as the process closes says so", async () => {
  const { held, syncs, reported } = holds(() => CLOSED);
  held.hold("logger", bytes("a"), "log", 100);
  syncs[0].answer();
  await Promise.resolve();
  assert.equal(
    reported[0].message,
    'Message "log" to service "logger", held until it could take it, was not delivered: this process closed first',
  );
});

Deno.test("messages are held only for siblings starting with this process, until something says they started", () => {
  const { held, syncs } = holds();
  held.startsWith([1, 2, "logger"]);
  assert.ok(held.mayHold(1) && held.mayHold(2) && held.mayHold("logger"));
  assert.ok(!held.mayHold(3));
  held.started(2);
  assert.ok(!held.mayHold(2));
  held.hold(1, bytes("a"), "note", 100);
  syncs[0].answer();
  return Promise.resolve().then(() => {
    assert.ok(!held.mayHold(1), "the manager's answer says so");
    assert.ok(held.mayHold("logger"));
    held.allStarted();
    assert.ok(!held.mayHold("logger"), "the cluster's start is over");
  });
});

Deno.test("drained() waits for what is held over the limit to go", async () => {
  const { held, syncs } = holds();
  held.hold(1, bytes("abc"), "note", 100);
  held.hold(2, bytes("a"), "note", 100);
  let all = false, one = false, small = false;
  held.drained(0).then(() => all = true);
  held.drained(0, 1).then(() => one = true);
  held.drained(1).then(() => small = true);
  await Promise.resolve();
  assert.deepEqual([all, one, small], [false, false, false]);
  syncs[0].answer();
  await waitFor(held.drained(1), "worker 1's release");
  assert.deepEqual([all, one, small], [false, true, true]);
  syncs[1].answer();
  await waitFor(held.drained(0), "every release");
  await Promise.resolve();
  assert.ok(all);
});

Deno.test("isOver() says whether more than a limit is held, for one sibling or for any", async () => {
  const { held, syncs } = holds();
  held.hold(1, bytes("abc"), "note", 100);
  assert.deepEqual([held.isOver(2), held.isOver(3), held.isOver(2, 1), held.isOver(0, 2)], [
    true,
    false,
    true,
    false,
  ]);
  syncs[0].answer();
  await Promise.resolve();
  assert.equal(held.isOver(0), false);
});

Deno.test("what cannot go once the process closes is reported lost for that, also what waited for a next process", async () => {
  const { held, syncs, sent, reported } = holds(() => UNREACHABLE);
  held.holdForNext(0, [[bytes("a"), "note"]], "the connection to it closed before it opened");
  held.close();
  assert.deepEqual(sent, [], "nothing waiting for a next process goes to what listens now");
  syncs[0].answer("gone");
  await Promise.resolve();
  assert.equal(
    reported[0].message,
    'Message "note" to worker 0, held until it could take it, was not delivered: this process closed first',
  );
});

Deno.test("messages a connection never carried wait for the sibling's next process, ahead of later ones", async () => {
  const { held, syncs, sent } = holds();
  held.holdForNext(
    0,
    [[bytes("a"), "note"], [bytes("b"), "note"]],
    "the connection to it closed before it opened",
  );
  held.hold(0, bytes("c"), "note", 100);
  assert.equal(syncs.length, 1);
  assert.deepEqual([held.waitsForNext(0), held.waitsForNext(1)], [true, false]);
  syncs[0].answer("ready");
  await Promise.resolve();
  assert.deepEqual(sent, [[0, "a"], [0, "b"], [0, "c"]]);
  assert.equal(held.waitsForNext(0), false);
});

Deno.test("messages a connection never carried are reported lost when no new process comes", async () => {
  for (const news of ["answered", "gone"] as const) {
    const { held, syncs, sent, reported } = holds();
    held.holdForNext(0, [[bytes("a"), "note"]], "the connection to it closed before it opened");
    syncs[0].answer(news);
    await Promise.resolve();
    assert.deepEqual(sent, []);
    assert.equal(
      reported[0].message,
      'Message "note" to worker 0, held until it could take it, was not delivered: the connection to it closed before it opened, and no new process of it came',
    );
  }
});

Deno.test("held messages go as soon as the sibling can be reached, before what is sent it next", () => {
  let reachable = false;
  const { held, sent } = holds(() => reachable ? 1 : UNREACHABLE);
  held.startsWith([1]);
  held.hold(1, bytes("a"), "note", 100);
  held.hold(1, bytes("b"), "note", 100);
  assert.ok(!held.sendHeld(1), "still unreachable: held");
  assert.ok(held.holds(1));
  reachable = true;
  sent.length = 0;
  assert.ok(held.sendHeld(1));
  assert.deepEqual(sent, [[1, "a"], [1, "b"]]);
  assert.ok(!held.holds(1) && !held.mayHold(1));
  assert.ok(held.sendHeld(2), "nothing held");
});

Deno.test("what waits for a sibling's next process does not go to what listens there before its news", () => {
  const { held, sent } = holds();
  held.holdForNext(0, [[bytes("a"), "note"]], "the connection to it closed before it opened");
  assert.ok(!held.sendHeld(0));
  assert.deepEqual(sent, []);
});

Deno.test("a hold's bytes are what the transport's queue counts, frame headers too", () => {
  const { held } = holds(undefined, (size) => size + 4);
  assert.equal(held.hold(1, bytes("ab"), "note", 12), 2);
  assert.equal(held.bytes(1), 6);
  assert.equal(held.hold(1, bytes("cd"), "note", 12), 2);
  assert.equal(held.hold(1, bytes("e"), "note", 12), FULL);
  // What a connection never carried counts alike.
  held.holdForNext(2, [[bytes("abc"), "note"]], "the connection to it closed before it opened");
  assert.equal(held.bytes(2), 7);
});

Deno.test("messages are held for a sibling being replaced", () => {
  const { held, replacing } = holds();
  assert.ok(!held.mayHold(1));
  replacing.add(1);
  assert.ok(held.mayHold(1));
});

Deno.test("once a sibling said it is leaving, what is sent it waits for its next process, and is reported lost, saying so, if none comes", async () => {
  const { held, syncs, sent, reported, replacing } = holds();
  replacing.add(0);
  held.holdForNext(0, [], "it left");
  assert.ok(held.holds(0) && held.waitsForNext(0), "held from now on, with nothing in it yet");
  assert.ok(!held.sendHeld(0), "not to the old process, which listens still");
  assert.equal(held.hold(0, bytes("a"), "note", 100), 1);
  syncs[0].answer("gone");
  await Promise.resolve();
  assert.deepEqual(sent, []);
  assert.equal(
    reported[0].message,
    'Message "note" to worker 0, held until it could take it, was not delivered: it left, and no new process of it came',
  );
});

Deno.test("a sibling that said it is leaving and was sent nothing since: nothing is reported, whatever comes of it", async () => {
  for (const news of ["ready", "gone"] as const) {
    const { held, syncs, sent, reported } = holds();
    held.holdForNext(0, [], "it left");
    syncs[0].answer(news);
    await Promise.resolve();
    assert.deepEqual([sent, reported], [[], []], news);
    assert.ok(!held.holds(0));
  }
});
