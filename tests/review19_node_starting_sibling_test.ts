/**
 * Review 19: README "Protocol" (Bootstrap, `starting`): a Deno child holds
 * what it sends a sibling starting with the cluster that does not listen
 * yet, and its requests to one wait, within their timeout, asking the
 * manager (`$sync` with `for`) until that sibling listens. The Node
 * reference peer sent no `$sync`: a Node service that, as it starts,
 * messaged or asked a service starting beside it counted 0 and failed at
 * once ("it is not connected"), or not, as the two processes raced.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { fileAppears, serviceIn, waitFor } from "./helpers.ts";

const EARLY_ASKER = new URL("./fixtures/review19_node_early_asker.mjs", import.meta.url).pathname;

Deno.test("a Node service's message and requests to a service starting beside it wait until it listens, within their timeout", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-early-" });
  try {
    // Made before the children start, so that nothing they write comes unseen.
    using firstWritten = Deno.watchFs(dir);
    using secondWritten = Deno.watchFs(dir);
    const outcome = async (name: string) =>
      JSON.parse(await Deno.readTextFile(`${dir}/${name}.json`));
    const starting = Cluster.start({
      workers: 0,
      processes: {
        // Nothing listens at it until `open` appears in `dir`.
        gated: { ...serviceIn(dir, "gated_service.ts"), args: [dir, "first"] },
        node: { command: ["node", EARLY_ASKER, dir] },
      },
    });
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
      await open();
      await (await starting.catch(() => undefined))?.stop();
      throw error;
    }
    await open();
    await using cluster = await waitFor(starting, "the start");
    await fileAppears(secondWritten, "second.json");
    assert.deepEqual(first, {
      sent: 1,
      outcome: {
        error: {
          name: "TimeoutError",
          message:
            'Request "echoRequest" to service "gated" timed out after 300 ms: service "gated" was not ready in time',
        },
      },
    });
    assert.deepEqual(await outcome("second"), { ok: { data: "early", by: "gated" } });
    assert.deepEqual(await cluster.request("notesRequest", undefined, { to: "gated" }), ["early"]);
    assert.deepEqual(await cluster.request("errorsRequest", undefined, { to: "node" }), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
