/**
 * A child told to exit stops reading: its manager relays nothing more to
 * it from other hosts, as it would arrive unread. A request for it is
 * refused on its behalf; a message waits for its next process, and is
 * bounced, where its sender sees it, if it will have none.
 */

import assert from "node:assert/strict";
import { REFUSAL, REQUEST } from "./fake_link.ts";
import { hostB } from "./host_b.ts";

const note = (n: number) => `{"action":"note","data":${n}}`;
/** A frame the manager sends worker 0 itself: what was relayed before it arrives before it. */
const MARK = '{"action":"$mark"}';

Deno.test("a child told to exit gets nothing more from other hosts: requests are refused for it, messages wait for its next process", async () => {
  await using b = await hostB();
  const first = await b.start();
  b.link.from(note(1));
  await first.receives(note(1));

  b.router.exiting(0);
  b.link.from(REQUEST);
  b.link.from(note(2));
  b.router.sendControl(0, "$mark");
  await first.receives(MARK);
  assert.deepEqual(first.received, [note(1), MARK], "nothing relayed to it after $exit");
  assert.deepEqual(b.link.sent, [REFUSAL]);

  first.endpoint.close();
  await b.gone(0);
  const next = await b.start();
  await next.receives(note(2));
  assert.deepEqual(next.received, [note(2)]);
  assert.deepEqual(b.link.bounced, []);
});

Deno.test("what waits for a child told to exit is bounced once it will have no next process", async () => {
  await using b = await hostB();
  const first = await b.start();
  b.router.exiting(0);
  b.link.from(note(1));
  b.link.from(note(2));
  first.endpoint.close();
  await b.gone(0);
  assert.deepEqual(b.link.bounced, [], "held while a next process may come");
  b.router.lifecycle({ type: "fatal", address: 0, restarts: 3, period: 60_000 });
  assert.deepEqual(b.link.bounced, [
    '5 → 0 "note": worker 0 stopped before it could take it',
    '5 → 0 "note": worker 0 stopped before it could take it',
  ]);
  // Each speaks for itself alone: its sender gathers them into one report.
  assert.deepEqual(b.link.bounceDetails, [{ action: "note", away: true }, {
    action: "note",
    away: true,
  }]);
});

Deno.test("a child told to exit still gets what answers or steers its own work: responses and control frames", async () => {
  await using b = await hostB();
  const first = await b.start();
  b.router.exiting(0);
  const response = '{"action":"workResponse","messageId":"x1","re":true,"data":1}';
  const left = '{"action":"$left"}';
  b.link.from(response);
  b.link.from(left);
  b.link.from(note(1));
  b.router.sendControl(0, "$mark");
  await first.receives(MARK);
  assert.deepEqual(first.received, [response, left, MARK], "the new message waits");
});

Deno.test("a child that exited before it was told to exit is not taken for its next process", async () => {
  await using b = await hostB();
  const first = await b.start();
  // It exited during its stop work: the manager tells it to exit all the same.
  first.endpoint.close();
  await b.gone(0);
  b.router.exiting(0);
  const next = await b.start();
  b.link.from(REQUEST);
  await next.receives(REQUEST);
  assert.deepEqual(b.link.sent, [], "relayed to the next process, not refused for it");
});
