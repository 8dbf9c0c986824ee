/**
 * A host's manager by its cluster-wide address, `managerOf(host)`, from
 * its own host: the same code runs on every host, so code that sends to
 * one chosen host's manager runs on that host too.
 */

import assert from "node:assert/strict";
import { managerOf } from "../../mod.ts";
import { remote } from "../helpers.ts";
import { joinHere, knowsWorkers, natsAnswers, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;

Deno.test({
  name:
    "managerOf(host) reaches that host's manager from the host itself, as from the others: from its manager and its worker",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    // Worker 0 on host b, worker 1 here, on host a.
    await using b = await joinHere(cluster, "b", { workers: 1 });
    await using a = await joinHere(cluster, "a", { workers: 1 });
    await knowsWorkers(a, 2);
    a.handle("whoRequest", () => "the manager of host a");
    b.handle("whoRequest", () => "the manager of host b");
    const ask = { op: "request", action: "whoRequest", to: managerOf("a") };
    // From the other host: answered.
    assert.deepEqual(await remote(b, 0, ask), { ok: "the manager of host a" });
    assert.equal(
      await b.request("whoRequest", undefined, { to: managerOf("a") }),
      "the manager of host a",
    );
    // From host a itself: the same address, the same manager.
    assert.deepEqual(await remote(a, 1, ask), { ok: "the manager of host a" });
    assert.equal(
      await a.request("whoRequest", undefined, { to: managerOf("a") }),
      "the manager of host a",
    );
  },
});
