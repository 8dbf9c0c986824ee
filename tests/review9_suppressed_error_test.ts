/**
 * Review 9: issue 16, "No silent change of a value": every value arrives
 * equal to what was sent, or is refused at the sender saying where. A
 * `SuppressedError` (a built-in class of Deno 2.9.6: what `using` and
 * `await using` throw when a disposal fails after the block threw) holds
 * the two errors in own `error` and `suppressed` properties that are not
 * enumerable, as an `AggregateError`'s `errors` is. The codec carries
 * `errors` (src/wire_values.ts `#error`, src/error_classes.ts) but knows
 * nothing of these: the error arrives as an `Error` named
 * "SuppressedError", both errors it held gone, and nothing says so.
 */

import assert from "node:assert/strict";
import { decodeMessage, encodeMessage, toBytes } from "../src/codec.ts";
import { FrameError } from "../src/errors.ts";

const LIMIT = 1024 * 1024;

/** What `await using` throws when the block and the disposal both fail. */
async function disposalFailure(): Promise<Error> {
  const resource = {
    [Symbol.asyncDispose]() {
      throw new Error("could not close the file");
    },
  };
  try {
    await using _file = resource;
    throw new Error("could not write the file");
  } catch (error) {
    return error as Error;
  }
}

Deno.test("a SuppressedError arrives with both errors it holds, or is refused", async () => {
  const failure = await disposalFailure();
  assert.equal(failure.name, "SuppressedError");
  let arrived: unknown;
  try {
    const payload = toBytes(encodeMessage({ action: "failed", data: { failure } }, LIMIT, 0));
    arrived = (decodeMessage(payload.slice(), "worker 0").data as { failure: unknown }).failure;
  } catch (error) {
    // Refused at the sender, saying where: as good.
    assert.ok(error instanceof FrameError && /data\.failure/.test(error.message), String(error));
    return;
  }
  const { error, suppressed } = arrived as { error?: Error; suppressed?: Error };
  assert.equal(error?.message, "could not close the file", "its error");
  assert.equal(suppressed?.message, "could not write the file", "the error it suppressed");
});
