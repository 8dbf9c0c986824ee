/**
 * At the cluster's start a child's siblings start alongside it: a request
 * to one that does not listen yet waits, within its timeout, until its
 * manager says it does.
 */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions } from "../mod.ts";
import type { Outcome } from "./fixtures/remote_control.ts";
import { fileAppears, serviceIn, waitFor } from "./helpers.ts";

/** Nothing listens at a gated child until `open` appears in `dir`. */
const gated = (dir: string) => ({ ...serviceIn(dir, "gated_service.ts"), args: [dir, "first"] });
const asker = (dir: string, whom: "gated" | "workers" | "any") => ({
  ...serviceIn(dir, "early_asker.ts"),
  args: [dir, whom],
});
/** Two gated workers, and a service that asks them early, as `whom` says. */
const gatedWorkers = (dir: string, whom: "workers" | "any"): ClusterOptions => {
  const { module, args, permissions } = gated(dir);
  return { worker: module, args, permissions, workers: 2, processes: { asker: asker(dir, whom) } };
};
const timedOut = (to: string, which = `${to} was not`) => ({
  error: {
    name: "TimeoutError",
    message: `Request "echoRequest" to ${to} timed out after 300 ms: ${which} ready in time`,
  },
});

/**
 * Starts a cluster in a directory of its own, in which an early asker
 * asks a gated child twice (see `fixtures/early_asker.ts`): returns the
 * first outcome, then opens the gate and returns the second.
 */
async function askEarly(
  options: (dir: string) => ClusterOptions,
): Promise<{ first: unknown; second: unknown }> {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-early-" });
  try {
    // Made before the children start, so that nothing they write comes unseen.
    using firstWritten = Deno.watchFs(dir);
    using secondWritten = Deno.watchFs(dir);
    const outcome = async (name: string): Promise<Outcome | Outcome[]> =>
      JSON.parse(await Deno.readTextFile(`${dir}/${name}.json`));
    const starting = Cluster.start(options(dir));
    const open = () => Deno.writeTextFile(`${dir}/open`, "");
    let first;
    try {
      // A start that fails says why here, not as the file's deadline.
      await Promise.race([
        fileAppears(firstWritten, "first.json"),
        starting.then(() => assert.fail("started with the gate shut")),
      ]);
      first = await outcome("first");
    } catch (error) {
      // Nothing is left running.
      await open();
      await (await starting.catch(() => undefined))?.stop();
      throw error;
    }
    // The other request, made with it, still waits: the gated child listens now.
    await open();
    await using _cluster = await waitFor(starting, "the start");
    await fileAppears(secondWritten, "second.json");
    return { first, second: await outcome("second") };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a request to a service that does not listen yet at the start waits for it, within its timeout", async () => {
  const { first, second } = await askEarly((dir) => ({
    workers: 0,
    processes: { gated: gated(dir), asker: asker(dir, "gated") },
  }));
  assert.deepEqual(first, timedOut('service "gated"'));
  assert.deepEqual(second, { ok: { data: "early", by: "gated" } });
});

Deno.test("requestAll() at the start waits for workers that do not listen yet, each within its timeout", async () => {
  const { first, second } = await askEarly((dir) => gatedWorkers(dir, "workers"));
  assert.deepEqual(first, [timedOut("worker 0"), timedOut("worker 1")]);
  assert.deepEqual(second, [{ ok: { data: "early", by: 0 } }, { ok: { data: "early", by: 1 } }]);
});

Deno.test("a request to ANY at the start waits for the first worker to listen, within its timeout", async () => {
  const { first, second } = await askEarly((dir) => gatedWorkers(dir, "any"));
  assert.deepEqual(first, timedOut("any worker", "no worker was"));
  const { ok } = second as { ok: { data: string; by: number } };
  assert.equal(ok.data, "early");
  assert.ok(ok.by === 0 || ok.by === 1, `answered by worker ${ok.by}`);
});
