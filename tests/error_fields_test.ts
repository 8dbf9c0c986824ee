/** Errors carry the action and the process they are about, as fields, not only in their message. */

import assert from "node:assert/strict";
import {
  FrameError,
  NoHandlerError,
  RemoteError,
  type SwitchboardError,
  TimeoutError,
  UnreachableError,
  ValidationError,
} from "../mod.ts";
import { startCluster } from "./helpers.ts";

/** The error `promise` rejects with, checked to be a `type`. */
async function rejection<T extends SwitchboardError>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => T,
): Promise<T> {
  const error = await promise.then(() => undefined, (error: unknown) => error);
  assert.ok(error instanceof type, `expected a ${type.name}, got ${error}`);
  return error;
}

Deno.test("a failed request's error names its action and target as fields", async () => {
  await using cluster = await startCluster({ workers: 2 });
  const cases: [() => Promise<unknown>, new (...args: never[]) => SwitchboardError, number][] = [
    [() => cluster.request("silentRequest", {}, { to: 1, timeout: 50 }), TimeoutError, 1],
    [() => cluster.request("nothingRequest", {}, { to: 0 }), NoHandlerError, 0],
    [() => cluster.request("failRequest", {}, { to: 1 }), RemoteError, 1],
    [() => cluster.request("echoRequest", {}, { to: 9 }), UnreachableError, 9],
  ];
  for (const [request, type, peer] of cases) {
    const error = await rejection(request(), type);
    const action = error.message.match(/^Request "(\w+)"/)![1];
    assert.deepEqual([error.action, error.peer], [action, peer], error.message);
  }
});

Deno.test("a send refused at the sender names its action, and its target when there is one", async () => {
  await using cluster = await startCluster({ workers: 2 });
  const refusal = (to?: number | number[]) => {
    try {
      cluster.sendMessage("test", { run() {} }, to);
    } catch (error) {
      assert.ok(error instanceof FrameError);
      return [error.action, error.peer];
    }
    assert.fail("the send was not refused");
  };
  assert.deepEqual(refusal(1), ["test", 1]);
  assert.deepEqual(refusal([0, 1]), ["test", undefined]);
  assert.deepEqual(refusal(), ["test", undefined]);
});

Deno.test("the fields are neither enumerated nor invented", () => {
  const error = new TimeoutError("timed out", { action: "a", peer: "logger" });
  assert.deepEqual(Object.keys(error), ["name"], "logged and compared as before");
  assert.deepEqual([error.action, error.peer, "cause" in error], ["a", "logger", false]);
  // A ValidationError's action, given apart, is a field of the same kind.
  const invalid = new ValidationError("invalid", "a", [], { peer: 1 });
  assert.deepEqual(Object.keys(invalid), ["name", "issues"]);
  assert.deepEqual([invalid.action, invalid.peer], ["a", 1]);
  const bare = new FrameError("bad", { cause: undefined });
  assert.deepEqual([bare.action, bare.peer, "cause" in bare], [undefined, undefined, false]);
});
