/**
 * `ManagerEvents` (src/manager_events.ts) in one process, on a router that
 * records what it is asked to send: host "a"'s manager, with worker 0
 * connected, in a cluster with host "b" (worker 1). Across real hosts:
 * tests/nats/events_missed_test.ts, restarted_host_events_test.ts,
 * forged_envelopes_test.ts.
 */

import assert from "node:assert/strict";
import { type Address, managerOf } from "../src/address.ts";
import { EVENT, MEMBERS, RESEND } from "../src/control.ts";
import { FrameError } from "../src/errors.ts";
import { Layout } from "../src/layout.ts";
import type { LifecycleEvent } from "../src/lifecycle_event.ts";
import { ManagerEvents } from "../src/manager_events.ts";
import type { Router } from "../src/router.ts";
import { StartingChildren } from "../src/starting_children.ts";

const B = managerOf("b");
const HOSTS: Record<number, string> = { 0: "a", 1: "b" };

/** Host "a"'s events, with what its router sends and its listeners hear. */
function eventsOf() {
  const sent: [Address, string, unknown][] = [];
  const heard: LifecycleEvent[] = [];
  const router = {
    layout: new Layout([0, 1], [], [B], managerOf("a")),
    connected: () => [0],
    sendControl(to: Address, action: string, data?: unknown) {
      sent.push([to, action, data]);
      return true;
    },
    // To another host's manager: its size, as the window has room here
    // (waiting for room: tests/to_other_managers_test.ts).
    sendToManager(to: Address, action: string, data?: unknown) {
      sent.push([to, action, data]);
      return 1;
    },
    roomFor: () => Promise.resolve(),
    lifecycle: (event: LifecycleEvent) => void heard.push(event),
  } as unknown as Router;
  let stopping = false;
  const events = new ManagerEvents({
    router,
    starting: new StartingChildren(),
    stopping: () => stopping,
    hostOf: (address) => HOSTS[address as number],
  });
  return { events, router, sent, heard, stop: () => stopping = true };
}

Deno.test("ManagerEvents tells an event of its own child to the other hosts' managers, numbered, and here as it is", () => {
  const { events, sent, heard } = eventsOf();
  events.announce({ type: "reload", address: 0 });
  events.announce({ type: "ready", address: 0 });
  const toB = sent.filter(([to]) => to === B);
  assert.deepEqual(
    toB.map(([, action, data]) => [action, (data as { told: { n: number } }).told.n]),
    [
      [EVENT, 1],
      [EVENT, 2],
    ],
  );
  assert.deepEqual(sent.filter(([to]) => to === 0).map(([, , data]) => data), [
    { type: "reload", address: 0 },
    { type: "ready", address: 0 },
  ]);
  assert.deepEqual(heard, [{ type: "reload", address: 0 }, { type: "ready", address: 0 }]);
});

Deno.test("ManagerEvents takes another host's event about its own child once, and tells it here without its number", () => {
  const { events, sent, heard } = eventsOf();
  const told = { by: "b-process", n: 1 };
  events.eventFrom(B, { type: "exit", address: 1, code: 0, signal: null, restart: true, told });
  events.eventFrom(B, { type: "exit", address: 1, code: 0, signal: null, restart: true, told });
  const exit = { type: "exit", address: 1, code: 0, signal: null, restart: true };
  assert.deepEqual(heard, [exit], "told again, it is dropped");
  assert.deepEqual(sent, [[0, EVENT, exit]]);
});

Deno.test("ManagerEvents refuses an event about a process its sender does not run, naming both", () => {
  const { events, sent, heard } = eventsOf();
  const told = { by: "b-process", n: 1 };
  assert.throws(
    () => events.eventFrom(B, { type: "fatal", address: 0, restarts: 3, period: 1000, told }),
    (error: unknown) =>
      error instanceof FrameError && error.action === EVENT && error.peer === B &&
      error.message ===
        `Bad frame from the manager of host "b": a "$event" of "fatal" about worker 0, not one of its own`,
  );
  assert.throws(() => events.eventFrom(B, "ready"), FrameError);
  assert.throws(() => events.eventFrom(0, { type: "ready", address: 1, told }), FrameError);
  assert.deepEqual([sent, heard], [[], []]);
});

Deno.test("ManagerEvents tells a host back from being cut off the latest events again, and asks for its own", () => {
  const { events, sent } = eventsOf();
  events.announce({ type: "reload", address: 0 });
  sent.length = 0;
  events.backFrom(B);
  assert.deepEqual(sent.map(([to, action]) => [to, action]), [[B, EVENT], [B, RESEND]]);
  assert.equal((sent[0][2] as { type: string }).type, "reload");
});

Deno.test("ManagerEvents tells no one again after the stop, nor anything to a process that is no manager", () => {
  const { events, sent, stop } = eventsOf();
  events.announce({ type: "reload", address: 0 });
  sent.length = 0;
  events.tellAgain(0);
  events.tellAgain(managerOf("c"));
  assert.deepEqual(sent, []);
  // A gap said before the stop: its timer is cleared by it (the op
  // sanitizer fails a test that leaves one), and nothing is told.
  events.missedBy(B);
  stop();
  events.stop();
  events.missedBy(B);
  assert.deepEqual(sent, []);
});

Deno.test("ManagerEvents gives its router the new layout as hosts come and go, and tells each connected process", () => {
  const { events, router, sent, heard } = eventsOf();
  const layout = new Layout([0, 1, 2], [], [B, managerOf("c")], managerOf("a"));
  const joined: LifecycleEvent = {
    type: "hostJoined",
    address: managerOf("c"),
    host: "c",
    workers: [2],
    services: [],
  };
  events.membersChanged(layout, joined, "c-process");
  assert.equal(router.layout, layout);
  assert.deepEqual(sent, [[0, MEMBERS, layout.members()], [0, EVENT, joined]]);
  assert.deepEqual(heard, [joined]);
});
