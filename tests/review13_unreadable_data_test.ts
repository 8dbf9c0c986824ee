/**
 * Review 13: README ("What data can hold"): what cannot be sent "is refused
 * at the sender with a `FrameError` that says where, before anything is
 * sent"; README ("Errors and limits"): every error names the action and the
 * peer. An `Error` whose property getter throws is refused so ("an Error
 * whose properties cannot be read", src/wire_values.ts `#error`), but data
 * whose own getter throws, or a Proxy of a `Date` or a `Uint8Array` (whose
 * methods throw on a proxy), makes `sendMessage` throw what the read threw:
 * a bare `Error("boom")` or `TypeError: this is not a Date object.`, with
 * neither the action, the peer nor where in the data.
 */

import assert from "node:assert/strict";
import { Cluster, FrameError } from "../mod.ts";
import { WORKER } from "./helpers.ts";

Deno.test("data that cannot be read is refused with a FrameError that says where", async () => {
  await using cluster = await Cluster.start({ worker: WORKER, workers: 1 });
  const unreadable: [string, unknown][] = [
    ["data.a.x", {
      a: {
        get x(): never {
          throw new Error("boom");
        },
      },
    }],
    ["data.when", { when: new Proxy(new Date(0), {}) }],
    ["data.list[1]", { list: [1, new Proxy(new Uint8Array(2), {})] }],
  ];
  for (const [where, data] of unreadable) {
    assert.throws(
      () => cluster.sendMessage("test", data, 0),
      (error: unknown) => {
        assert.ok(error instanceof FrameError, `${where}: ${error}`);
        assert.ok(
          error.message.startsWith(`Cannot send "test" to worker 0: ${where} cannot be read`),
          error.message,
        );
        assert.equal(error.action, "test");
        assert.equal(error.peer, 0);
        return true;
      },
    );
  }
  // Nothing was sent, and the connection still carries requests.
  const answer = await cluster.request("echoRequest", "after", { to: 0 });
  assert.equal((answer as { data: unknown }).data, "after");
});
