/**
 * `Settled` says a requestAll() target that failed has an `error` that is
 * an `Error`, and code reads `result.error.message`. A `signal` aborted
 * with a reason that is not one (`controller.abort("shutting down")`, a
 * number, a plain object) settled each open request with that reason as
 * it was: `error` was a string, and `error.message` undefined (trial 20).
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { WORKER } from "./helpers.ts";

Deno.test("requestAll() settles with an Error when its signal aborts with a reason that is none", async () => {
  await using cluster = await Cluster.start({ worker: WORKER, workers: 2 });
  const shown = [['"shutting down"', "shutting down"], ["42", 42], ["[object Object]", {
    code: 7,
  }]];
  for (const [words, reason] of shown) {
    const controller = new AbortController();
    const asked = cluster.requestAll("holdRequest", null, { signal: controller.signal });
    controller.abort(reason);
    const results = await asked;
    assert.equal(results.length, 2);
    for (const [worker, result] of results.entries()) {
      assert.ok("error" in result, `worker ${worker} answered`);
      const { error } = result;
      assert.ok(error instanceof Error, `${Deno.inspect(reason)}: got ${Deno.inspect(error)}`);
      assert.equal(error.name, "AbortError");
      assert.equal(
        error.message,
        `Request "holdRequest" to worker ${worker} was aborted: ${words}`,
      );
      assert.equal(error.cause, reason);
    }
  }
  // An Error, or no reason (an AbortError), settles as it is.
  const controller = new AbortController();
  const reason = new RangeError("enough");
  const asked = cluster.requestAll("holdRequest", null, { signal: controller.signal });
  controller.abort(reason);
  for (const result of await asked) assert.ok("error" in result && result.error === reason);
  const pre = await cluster.requestAll("holdRequest", null, { signal: AbortSignal.abort() });
  for (const result of pre) assert.ok("error" in result && result.error.name === "AbortError");
  // The handlers hold until released, cancelled or not: released, they let the stop go on.
  cluster.sendMessage("release", null);
});
