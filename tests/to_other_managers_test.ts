/**
 * What a manager tells another host's manager waits for room in the window
 * to that host (`ToOtherManagers`): told again, or announced, or asked
 * for, each event goes once, in order, once there is room; what cannot go
 * at all stops there. A fake way to the other host, its room the test's.
 */

import assert from "node:assert/strict";
import { EVENT, RESEND } from "../src/control.ts";
import type { NumberedEvent } from "../src/host_events.ts";
import { ToOtherManagers } from "../src/to_other_managers.ts";
import { FULL, UNREACHABLE } from "../src/transport.ts";

const B = "manager@b";

Deno.test("events the window has no room for are told once it has, each once, in order, with those announced and asked for meanwhile", async () => {
  const way = new FakeWay();
  way.events.push(numbered(1), numbered(2), numbered(3));
  way.free = 1;
  const to = new ToOtherManagers(way);
  to.tellAgain(B);
  assert.deepEqual(way.sent, ["$event 1"], "the second had no room");
  // Meanwhile: a new event, and a $resend, wait behind them; told again, nothing twice.
  way.events.push(numbered(4));
  to.announce(B, way.events[3]);
  to.askAgain(B);
  to.tellAgain(B);
  assert.deepEqual(way.sent, ["$event 1"]);
  way.free = Infinity;
  await way.makeRoom();
  assert.deepEqual(way.sent, [
    "$event 1",
    "$resend",
    "$event 1",
    "$event 2",
    "$event 3",
    "$event 4",
  ]);
});

Deno.test("an event announced with room goes at once; what cannot go at all stops there, and waits for nothing", () => {
  const way = new FakeWay();
  way.events.push(numbered(1), numbered(2));
  const to = new ToOtherManagers(way);
  to.announce(B, way.events[1]);
  assert.deepEqual(way.sent, ["$event 2"]);
  way.free = 0;
  way.refusal = UNREACHABLE;
  to.tellAgain(B);
  assert.deepEqual(way.sent, ["$event 2"]);
  assert.equal(way.waits, 0);
});

/** A way to host b: sends while `free` lasts (one a send), else `refusal`; room when the test says. */
class FakeWay {
  readonly sent: string[] = [];
  readonly events: NumberedEvent[] = [];
  free = Infinity;
  refusal = FULL;
  waits = 0;
  #room = Promise.withResolvers<void>();

  send(manager: string, action: string, data?: unknown): number {
    assert.equal(manager, B);
    assert.ok(action === EVENT || action === RESEND, action);
    if (this.free <= 0) return this.refusal;
    this.free--;
    this.sent.push(action === EVENT ? `${action} ${(data as NumberedEvent).told.n}` : action);
    return 10;
  }

  room(): Promise<void> {
    this.waits++;
    return this.#room.promise;
  }

  kept(): NumberedEvent[] {
    return this.events;
  }

  report(error: Error): void {
    throw error;
  }

  /** Lets the waits for room go, and what they send. */
  async makeRoom(): Promise<void> {
    this.#room.resolve();
    this.#room = Promise.withResolvers();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

function numbered(n: number): NumberedEvent {
  return { type: "ready", address: 1, told: { by: "a1", n } } as NumberedEvent;
}
