/**
 * A handler that throws (or rejects with) what is not an `Error` fails
 * its request with a `RemoteError` whose message says what was thrown. A
 * plain object, as some libraries reject with (`{ status: 404, message:
 * "not found" }`), said `Error: [object Object]`, and nothing of it
 * reached the requester (trial 20).
 */

import assert from "node:assert/strict";
import { Cluster, MANAGER, RemoteError } from "../mod.ts";

Deno.test("a handler that throws a plain object fails its request saying what the object holds", async () => {
  await using cluster = await Cluster.start({ workers: 0 });
  const thrown: [unknown, string][] = [
    [{ status: 404, message: "not found" }, '{"status":404,"message":"not found"}'],
    [Object.assign(Object.create(null), { code: 7 }), '{"code":7}'],
    [["a", 1], "a,1"],
    ["a string", "a string"],
    [7, "7"],
    [null, "null"],
    [undefined, "undefined"],
  ];
  cluster.handle("failRequest", (index) => Promise.reject(thrown[index as number][0]));
  for (const [index, [value, shown]] of thrown.entries()) {
    const failed = await cluster.request("failRequest", index, { to: MANAGER }).then(
      () => assert.fail(`${Deno.inspect(value)} was not thrown`),
      (error: unknown) => error,
    );
    assert.ok(failed instanceof RemoteError, `${Deno.inspect(value)}: got ${failed}`);
    assert.equal(failed.remoteName, "Error");
    assert.equal(failed.remoteMessage, shown);
  }
});
