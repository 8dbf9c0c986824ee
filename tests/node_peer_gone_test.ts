/**
 * How the Node reference peer reads a GONE frame (README's Protocol, the
 * relay frames), against a manager played by hand: as Switchboard's own
 * `src/fate.ts` does.
 */

import assert from "node:assert/strict";
import { fateOf } from "../src/fate.ts";
import { fateOf as nodeFateOf } from "../peers/node/fate.mjs";
import { DELIVER, GONE } from "../src/unix/relay.ts";
import {
  answerTo,
  askedAndRefused,
  nextForward,
  relay,
  startNodeService,
} from "./node_relay_play.ts";

Deno.test("the Node peer's fate of what was forwarded to a process that is gone is Switchboard's", () => {
  const counts = [undefined, 0, 1, 2, 3, 5];
  for (let sent = 0; sent <= 5; sent++) {
    for (const seen of counts) {
      for (const undelivered of counts) {
        for (const onTheWay of counts) {
          const last = { seen, undelivered, onTheWay };
          const deno = fateOf(sent, last);
          const node = nodeFateOf(sent, last);
          for (let place = 0; place <= sent + 1; place++) {
            assert.equal(node(place), deno(place), JSON.stringify({ sent, ...last, place }));
          }
        }
      }
    }
  }
});

Deno.test("a GONE frame that says a process is still there leaves what it asked of the Node peer answered, its handler told, as Switchboard's are", async () => {
  await using manager = await startNodeService();
  const request = { action: "heldRequest", messageId: "h1", data: null };
  manager.send(relay(DELIVER, 7, JSON.stringify(request)));
  // One message to worker 7 was refused: it is still there.
  manager.send(relay(GONE, 7, '{"reason":"one message was too large for the test","there":true}'));
  manager.send(relay(DELIVER, 7, '{"action":"releaseHeld"}'));
  const { to, message } = await nextForward(manager);
  assert.deepEqual(
    { to, ...message },
    { to: 7, action: "heldResponse", messageId: "h1", re: true, data: true },
    "answered, its handler's signal aborted",
  );
});

Deno.test("a Node peer's request refused by a process stopping alone goes to its next process once that is ready, and fails if it is given up", async () => {
  await using manager = await startNodeService();
  const first = await askedAndRefused(manager, "a", 7);
  // Its next process is ready: the same request goes to it.
  manager.send({ action: "$event", data: { type: "ready", address: 7 } });
  assert.deepEqual((await nextForward(manager)).message, first);

  await askedAndRefused(manager, "b", 7);
  manager.send({
    action: "$event",
    data: { type: "fatal", address: 7, restarts: 5, period: 60_000 },
  });
  const answer = await answerTo(manager, "b") as { error: { name: string; message: string } };
  assert.equal(answer.error.name, "UnreachableError");
  assert.match(
    answer.error.message,
    /Request "echoRequest" to worker 7 failed: it stopped, and no new process replaced it/,
  );
});
