/**
 * A manager's message to several processes, one of which its own answers
 * wait for (held for room in the window to that process's host): sent to
 * all or, refused to that one, to none, as when a queue is full. Before,
 * the check of every target before any send looked at queues alone: the
 * message went to the targets before that one, the send threw there, and
 * the rest never had it, while the error said to await `drain()` and send
 * again (the first ones then had it twice). Host b's link here says its
 * window to host a is full for its manager's sends until the test confirms.
 */

import assert from "node:assert/strict";
import { managerOf, QueueFullError } from "../../mod.ts";
import { waitFor } from "../helpers.ts";
import { natsAnswers, quietBeside, uniqueCluster, workersOf } from "./hosts.ts";
import { NarrowedWindow } from "./narrowed_window.ts";

const MANAGER_A = managerOf("a");
const MANAGER_B = managerOf("b");

Deno.test({
  name: "a manager's send to several, one behind its held answers, goes to none of them",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    const window = new NarrowedWindow(MANAGER_B);
    await using b = await window.join(cluster);
    b.handle("askB" as never, ((data: unknown) => data) as never);
    await using a = await quietBeside(cluster, b);
    const [own] = workersOf(b);
    // Host b's manager answers host a's: its answer waits for room.
    window.full = true;
    const answer = a.request("askB" as never, "x" as never, { to: MANAGER_B, timeout: 20_000 });
    answer.catch(() => {});
    await waitFor(window.refused.promise, "host b's answer to find the window full");
    // Its own worker first, then host a's manager, which the answer waits for.
    assert.throws(
      () => b.sendMessage("tick", { n: 1 }, [own, MANAGER_A]),
      (error: Error) => {
        assert.ok(error instanceof QueueFullError);
        assert.match(
          error.message,
          /^Cannot send "tick" to the manager of host "a": it would go after/,
        );
        return true;
      },
    );
    // Asked after the tick, on the same socket: it would have come first.
    assert.deepEqual(await b.request("ticksSoFar", null, { to: own }), [], "sent to none");
    window.confirmed.resolve();
    assert.equal(await waitFor(answer, "the answer"), "x");
  },
});
