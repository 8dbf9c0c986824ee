/**
 * Review 25: README ("What data can hold"): data that cannot be read (a
 * getter that throws) is refused "with a `FrameError` that says where". It
 * did not when a value before the getter in the same object was tagged (a
 * Date, a Uint8Array): the object was copied then with a spread, which read
 * the getter outside its own step, and the error named the object
 * (`data cannot be read`), not the property (`data.late cannot be read`).
 * Found by tests/wire_values_property_test.ts.
 */

import assert from "node:assert/strict";
import { Cluster, FrameError } from "../mod.ts";
import { WORKER } from "./helpers.ts";

/** An object whose `late` getter throws, after `early`. */
function unreadableAfter(early: unknown): Record<string, unknown> {
  return {
    early,
    get late(): never {
      throw new Error("boom");
    },
  };
}

Deno.test("a getter that throws after a tagged value is named where it is", async () => {
  await using cluster = await Cluster.start({ worker: WORKER, workers: 1 });
  const unreadable: [string, unknown][] = [
    ["data.late", unreadableAfter(new Date(0))],
    ["data.a[1].late", { a: [1, unreadableAfter(new Uint8Array(2))] }],
    ["data.e.late", { e: unreadableAfter(-0) }],
  ];
  for (const [where, data] of unreadable) {
    assert.throws(
      () => cluster.sendMessage("test", data, 0),
      (error: unknown) => {
        assert.ok(error instanceof FrameError, `${where}: ${error}`);
        assert.equal(
          error.message,
          `Cannot send "test" to worker 0: ${where} cannot be read (reading it threw Error: boom)`,
        );
        return true;
      },
    );
  }
  // Nothing was sent, and the connection still carries requests.
  const answer = await cluster.request("echoRequest", { at: new Date(1) }, { to: 0 });
  assert.deepStrictEqual((answer as { data: unknown }).data, { at: new Date(1) });
});
