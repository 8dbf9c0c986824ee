/**
 * What a manager relays from other hosts to a child is said taken by the
 * child as it reads it; what it never said it took when its connection
 * breaks (it crashed) is refused to the senders, by count. A child that
 * closes gracefully reads on until its manager closes: nothing is refused.
 */

import assert from "node:assert/strict";
import { MANAGER } from "../src/address.ts";
import type { UnixEndpoint } from "../src/unix/endpoint.ts";
import { UntakenRelays } from "../src/untaken_relays.ts";
import { hostB } from "./host_b.ts";
import { nextEvent } from "./helpers.ts";

const note = (n: number) => `{"action":"note","data":${n}}`;

Deno.test("untaken relays are counted by sender, oldest taken first", () => {
  const untaken = new UntakenRelays();
  for (const from of [5, 5, "logger", 5, 6]) untaken.add(from);
  untaken.take(2);
  assert.equal(untaken.size, 3);
  assert.deepEqual(untaken.bySender(), new Map<unknown, number>([["logger", 1], [5, 1], [6, 1]]));
  untaken.take(10);
  assert.equal(untaken.size, 0, "no more taken than was relayed");
  untaken.add(7);
  assert.deepEqual(untaken.bySender(), new Map([[7, 1]]));
  // Many taken: what was taken is let go of, and what is left stays in order.
  for (let n = 0; n < 3000; n++) untaken.add(n < 2999 ? 8 : 9);
  untaken.take(2999);
  assert.deepEqual(untaken.bySender(), new Map([[8, 1], [9, 1]]), "7 went first");
});

Deno.test("what a child never said it read is refused to its senders once its connection breaks", async () => {
  await using b = await hostB();
  const first = await b.start();
  b.link.from(note(1));
  await first.receives(note(1));
  // A message after its TAKEN, on the same connection: once it came, so had the TAKEN.
  const pinged = nextEvent<unknown>((listener) => b.router.listeners.on("ping", listener), "ping");
  first.endpoint.send(MANAGER, '{"action":"ping"}');
  await pinged;
  b.link.from(note(2));
  b.link.from(note(3));
  // As a crash does: the socket closes at once, with what came unread.
  (first.endpoint as UnixEndpoint).connectionsTo(MANAGER)[0].close(new Error("crashed"));
  await b.gone(0);
  assert.deepEqual(b.link.bounced, [
    "5 → 0 x2: worker 0 ended before it said it had read them",
  ]);
});

Deno.test("a child that closes gracefully reads what still comes: nothing is refused", async () => {
  await using b = await hostB();
  const first = await b.start();
  b.link.from(note(1));
  const gone = b.gone(0);
  first.endpoint.close();
  b.link.from(note(2));
  await first.receives(note(2));
  await gone;
  assert.deepEqual(first.received, [note(1), note(2)]);
  assert.deepEqual(b.link.bounced, []);
});
