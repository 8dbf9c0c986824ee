/**
 * Review 36: a child starting while a sibling is being replaced hears the
 * events about that sibling in the order they came. It missed those that
 * came before it joined (the manager keeps them, for its `$ready`), and
 * hears those that come once it joined as they come. Before, the kept ones
 * were sent at its `$ready`, after newer ones it had heard: a `restart` of
 * the sibling after its `ready`, so that the child took the sibling for a
 * process that had not been ready since its restart, and the sibling's next
 * clean exit (a SIGTERM to it alone) for a failed start: its requests to
 * the sibling failed at once, "worker 1 stopped, and no new process
 * replaced it", while the new process came 0.25 s later (a chaos run).
 */

import assert from "node:assert/strict";
import type { Address } from "../src/address.ts";
import { EVENT } from "../src/control.ts";
import { Layout } from "../src/layout.ts";
import type { LifecycleEvent } from "../src/lifecycle_event.ts";
import { ManagerEvents } from "../src/manager_events.ts";
import { Replacements } from "../src/replacements.ts";
import type { Router } from "../src/router.ts";
import { StartingChildren } from "../src/starting_children.ts";

Deno.test("a starting child hears what it missed of a sibling before what came once it joined", () => {
  const sent: [Address, string, unknown][] = [];
  let connected: Address[] = [];
  const router = {
    layout: new Layout(3, []),
    connected: () => connected,
    sendControl(to: Address, action: string, data?: unknown) {
      sent.push([to, action, data]);
      return true;
    },
    lifecycle: () => {},
  } as unknown as Router;
  const starting = new StartingChildren();
  const events = new ManagerEvents({
    router,
    starting,
    stopping: () => false,
    hostOf: () => undefined,
  });
  // Worker 2 is spawned as worker 1, which exited cleanly, is restarted.
  starting.told(2, [1], router.layout);
  events.announce({ type: "restart", address: 1, attempt: 1 });
  connected = [2]; // Worker 2 joined; it has not said `$ready` yet.
  events.announce({ type: "ready", address: 1 });
  // Its `$ready`: what the manager sends it then (`Manager.#goAhead`).
  const heard = [
    ...sent.filter(([to, action]) => to === 2 && action === EVENT).map(([, , data]) => data),
    ...starting.ready(2, router.layout).events,
  ] as LifecycleEvent[];
  assert.deepEqual(heard, [
    { type: "restart", address: 1, attempt: 1 },
    { type: "ready", address: 1 },
  ]);
  // So a clean exit of worker 1 later, a SIGTERM to it alone, is a
  // replacement to wait for, not a failed start.
  const replacements = new Replacements(() => true);
  replacements.heard({ type: "reload", address: 1 }); // Its bootstrap's `replacing`.
  for (const event of heard) replacements.heard(event);
  replacements.heard({ type: "exit", address: 1, code: 0, signal: null, restart: true });
  assert.equal(replacements.has(1), true);
});
