/**
 * A request that a leaving host's bye proves never came is treated as one
 * that never reached its worker: to `ANY` it goes to another worker; to
 * the worker by id it fails as not delivered. One that came (and was cut
 * short as the host stopped) still fails as before: it may have run.
 */

import assert from "node:assert/strict";
import { ANY, Cluster } from "../../mod.ts";
import { natsBroker } from "../../nats.ts";
import type { BrokerLink } from "../../src/broker.ts";
import type { Outcome } from "../fixtures/remote_control.ts";
import { remote, waitFor } from "../helpers.ts";
import {
  HOST_WORKER,
  joinHere,
  knowsWorkers,
  NATS,
  natsAnswers,
  uniqueCluster,
  workersOf,
} from "./hosts.ts";

const ignore = !natsAnswers;

/**
 * Host "edge" here, with one worker, and its link: a test stops it reading
 * early, so that what is sent to it after is provably never read. As it
 * stops, the host stops reading once its worker is gone; a sender that has
 * not heard so yet (a worker, whose manager relays the news) sends it
 * requests that land there: 1 run in 5 of a user's three hosts.
 */
async function edgeHost(cluster: string): Promise<{ edge: Cluster; link: BrokerLink }> {
  const broker = natsBroker({ servers: NATS, cluster, host: "edge" });
  let link: BrokerLink | undefined;
  const edge = await Cluster.start({
    worker: HOST_WORKER,
    workers: 1,
    // Its worker holds a request through its stop work: cut short after this.
    stopTimeout: 1_000,
    broker: { join: async (request) => link = await broker.join(request) },
  });
  return { edge, link: link! };
}

Deno.test({
  name: "a request a stopping host's bye proves never came goes to another worker for ANY, " +
    "and fails as never delivered by id, from a manager and from a worker alike",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    const { edge, link } = await edgeHost(cluster);
    await using _edge = { [Symbol.asyncDispose]: () => edge.stop() };
    await using c = await joinHere(cluster, "c", { workers: 1 });
    await using a = await joinHere(cluster, "a", { workers: 1 });
    await knowsWorkers(a, 3);
    const reported: string[] = [];
    a.onError((error) => reported.push(error.message));
    const [onEdge, onC, onA] = [link.self.workers[0], workersOf(c)[0], workersOf(a)[0]];
    // Taken by the edge's worker, and cut short as its host stops: it came.
    const took = outcome(a.request("holdRequest", null, { to: onEdge, timeout: 20_000 }));
    await a.request("echoRequest", null, { to: onEdge });
    // The others are busier, to host a's manager and to its worker: ANY picks the edge's worker.
    const held = [onA, onC, onA, onC, onA, onC].map((to) =>
      outcome(a.request("holdRequest", null, { to, timeout: 20_000 }))
    );
    const workerHeld = [onA, onC, onA, onC, onEdge].map((to) =>
      outcome(remote(a, onA, { op: "request", action: "holdRequest", to, timeout: 20_000 }))
    );
    // Answered after the holds on the same connection: they were sent.
    await remote(a, onA, { op: "request", action: "echoRequest", to: onEdge });
    // From now on, what is sent to host "edge" is never read there.
    await link.stopReading!();
    // A stream too: sent at its first `next()`.
    const stream = a.requestStream("countStream", { count: 3 }, { to: ANY, timeout: 20_000 });
    const parts = outcome(Array.fromAsync(stream));
    const fromManager = {
      any: outcome(a.request("echoRequest", "m", { to: ANY, timeout: 20_000 })),
      byId: outcome(a.request("echoRequest", "m", { to: onEdge, timeout: 20_000 })),
    };
    const fromWorker = {
      any: remote(a, onA, { op: "requestAny", action: "echoRequest", data: "w" }),
      byId: remote(a, onA, { op: "request", action: "echoRequest", to: onEdge, timeout: 20_000 }),
    };
    // Answered after those on the same connection: relayed to the link before the bye.
    await remote(a, onA, { op: "stats" });
    await waitFor(edge.stop(), "host edge to stop");
    // Each went to the edge's worker, and its bye said they never came.
    const bye = (count: number, from: string) =>
      `${count} messages from ${from} to worker ${onEdge} were not delivered: host "edge" stopped before it came`;
    assert.ok(reported.includes(bye(3, 'the manager of host "a"')), reported.join("\n"));
    const workerErrors = await remote(a, onA, { op: "errors" }) as {
      ok: { samples: string[] };
    };
    assert.ok(
      workerErrors.ok.samples.includes(bye(2, `worker ${onA}`)),
      workerErrors.ok.samples.join("\n"),
    );
    const neverCame = `Request "echoRequest" to worker ${onEdge} failed: it was not delivered`;
    for (
      const [from, { any, byId }] of [["manager", fromManager], ["worker", fromWorker]] as const
    ) {
      const toAny = await waitFor(any, `the ${from}'s request to ANY`);
      assert.ok("ok" in toAny, `${from}: answered, got ${JSON.stringify(toAny)}`);
      assert.notEqual((toAny.ok as { by: number }).by, onEdge, `${from}: by another worker`);
      const toEdge = await waitFor(byId, `the ${from}'s request by id`);
      assert.ok("error" in toEdge, `${from}: failed, got ${JSON.stringify(toEdge)}`);
      assert.equal(toEdge.error.name, "UnreachableError");
      assert.ok(toEdge.error.message.startsWith(neverCame), `${from}: ${toEdge.error.message}`);
    }
    const streamed = await waitFor(parts, "the stream to ANY");
    assert.ok("ok" in streamed, `streamed: ${JSON.stringify(streamed)}`);
    assert.equal((streamed.ok as unknown[]).length, 3, "whole, from another worker");
    // The one it took may have run: not sent again, failed.
    const cut = await waitFor(took, "the request the edge's worker took");
    assert.ok("error" in cut, `failed, got ${JSON.stringify(cut)}`);
    assert.equal(cut.error.name, "UnreachableError");
    assert.match(cut.error.message, /the connection closed before it answered/);
    for (const to of [onA, onC]) a.sendMessage("release", null, to);
    await waitFor(Promise.all([...held, ...workerHeld]), "the held requests");
    const workerTook = (await workerHeld.at(-1)!) as { ok: Outcome };
    assert.ok("error" in workerTook.ok, `worker's, failed: ${JSON.stringify(workerTook)}`);
    assert.match(workerTook.ok.error.message, /the connection closed before it answered/);
  },
});

/** How `request` settles, as `remote` tells a worker's. */
function outcome(request: Promise<unknown>): Promise<Outcome> {
  return request.then(
    (ok) => ({ ok }),
    ({ name, message }: Error) => ({ error: { name, message } }),
  );
}
