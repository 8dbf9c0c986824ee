/**
 * A worker that stops reading while another host sends to it: its host
 * confirms what it queues for it, so the sender's window does not hold
 * back, and past `maxQueuedBytes` on that host what is new for the worker
 * is refused to its sender, as a send on one host throws `QueueFullError`.
 * Nothing is lost in silence, and the memory it takes is bounded.
 */

import assert from "node:assert/strict";
import { ANY, QueueFullError, UnreachableError } from "../../mod.ts";
import { remote, waitFor } from "../helpers.ts";
import { joinHere, knowsWorkers, natsAnswers, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;
const LIMIT = 1024 * 1024;

Deno.test({
  name:
    "a worker that stops reading: past maxQueuedBytes on its host, what another host sends it is refused to the sender, a request to ANY goes to another worker",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    // Worker 0 on host b, worker 1 here, on host a.
    await using b = await joinHere(cluster, "b", {
      workers: 1,
      maxFrameSize: 256 * 1024,
      maxQueuedBytes: LIMIT,
    });
    await using a = await joinHere(cluster, "a", { workers: 1 });
    await knowsWorkers(a, 2);
    const bReports: Error[] = [];
    b.onError((error) => bReports.push(error));
    const refused: Error[] = [];
    let firstRefusal = Promise.withResolvers<void>();
    a.onError((error) => {
      refused.push(error);
      firstRefusal.resolve();
    });
    const { ok: pid } = await remote(b, 0, { op: "pid" }) as { ok: number };
    const body = "x".repeat(60 * 1024);

    Deno.kill(pid, "SIGSTOP");
    let sent = 0;
    try {
      // Far more than the limit if nothing were refused: sent until the first refusal comes back.
      const refusal = firstRefusal.promise.then(() => "refused" as const);
      while (sent < 1_000) {
        a.sendMessage("tick", { n: sent++, body }, 0);
        if (await Promise.race([a.drain(), refusal]) === "refused") break;
      }
      await waitFor(firstRefusal.promise, `a refusal, after ${sent} sent`);
      const tooSlow =
        /^worker 0 reads too slowly: what waits for it is at maxQueuedBytes on its host \(1048576\)$/;
      for (const error of refused) {
        assert.ok(error instanceof UnreachableError, String(error));
        const [what, reason] = error.message.split(/ (?:was|were) not delivered: /);
        // Those refused in one task are told in one report, with their count.
        assert.match(
          what,
          /^(Message "tick"|\d+ messages) from the manager of host "a" to worker 0$/,
        );
        assert.equal((error as UnreachableError).action, "tick");
        assert.match(reason, tooSlow);
      }
      const [slow] = bReports;
      assert.ok(slow instanceof QueueFullError, String(slow));
      assert.equal(bReports.length, 1, "said once on its host");

      // A request by id fails at once, as never delivered; to ANY, another worker answers.
      const byId = await a.request("echoRequest", body, { to: 0 }).catch((error) => error);
      assert.ok(byId instanceof UnreachableError, String(byId));
      assert.match(
        byId.message,
        /^Request "echoRequest" to worker 0 failed: it was not delivered \(worker 0 reads too slowly: /,
      );
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => a.request("echoRequest", body, { to: ANY })),
      );
      assert.deepEqual(answers.map((answer) => (answer as { by: number }).by), [1, 1, 1, 1]);
    } finally {
      Deno.kill(pid, "SIGCONT");
    }

    // It reads again: what was not refused came, in order; refusals told came after it on the way.
    const ticks = await a.request("ticksRequest", undefined, { to: 0 }) as number[];
    const refusedTicks = refused
      .filter((error) => (error as UnreachableError).action === "tick")
      .reduce((sum, error) => sum + Number(/^(\d+) messages/.exec(error.message)?.[1] ?? 1), 0);
    assert.ok(ticks.length > 0 && refusedTicks > 0, `${ticks.length} came`);
    assert.equal(ticks.length + refusedTicks, sent, "each came, or was refused");
    assert.ok(ticks.every((n, i) => i === 0 || n > ticks[i - 1]), "in order");
    firstRefusal = Promise.withResolvers();
    a.sendMessage("tick", { n: sent, body }, 0);
    assert.deepEqual(await a.request("ticksRequest", undefined, { to: 0 }), [sent]);
  },
});
