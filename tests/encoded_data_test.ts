import assert from "node:assert/strict";
import { decodeMessage, encodeData, encodeMessage, toBytes } from "../src/codec.ts";
import { FrameError } from "../src/errors.ts";

const LIMIT = 1024 * 1024;

/** What a message arrives as, decoded from a copy of its payload. */
function arrived(payload: ReturnType<typeof encodeMessage>): unknown {
  return decodeMessage(toBytes(payload).slice(), "worker 1");
}

Deno.test("data encoded once arrives in each message as data encoded with each would", () => {
  const table: [string, unknown][] = [
    ["plain JSON", { rows: [{ id: 1, name: "é日本" }, { id: 2, ok: null }] }],
    ["a Date and bytes", {
      at: new Date(5),
      body: new Uint8Array([1, 2, 3]),
      more: [new Uint8Array(2)],
    }],
    ["a toJSON", { toJSON: () => ({ given: true }) }],
    ["a toJSON that gives undefined", { toJSON: () => undefined }],
    ["undefined", undefined],
    ["a string", "text"],
  ];
  for (const [what, data] of table) {
    const shared = encodeData("test", data, LIMIT, [1, 2]);
    for (const messageId of ["a.1", "a.2"]) {
      const each = { action: "test", messageId, timeout: 30_000 };
      assert.deepEqual(
        arrived(encodeMessage({ ...each, data: shared }, LIMIT, 1)),
        arrived(encodeMessage({ ...each, data }, LIMIT, 1)),
        what,
      );
    }
  }
});

Deno.test("encodeMessage tells what data encoded once carries as it goes, and checks the frame limit", () => {
  const shared = encodeData("test", { toJSON: () => ({ messageId: "x" }) }, LIMIT, 1);
  let sent: unknown;
  encodeMessage({ action: "test", data: shared }, LIMIT, 1, (data) => sent = data);
  assert.deepEqual(sent, { messageId: "x" });
  const large = encodeData("test", { body: new Uint8Array(2_000) }, 1_000, 1);
  assert.throws(
    () => encodeMessage({ action: "test", data: large }, 1_000, 1),
    (error) => error instanceof FrameError && /over the 1000-byte limit/.test(error.message),
  );
});

Deno.test("encodeData refuses data that would arrive changed, as encodeMessage does", () => {
  const data = { n: new Int8Array(1) };
  const message = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof FrameError);
      return error.message;
    }
    assert.fail("it did not throw");
  };
  assert.equal(
    message(() => encodeData("test", data, LIMIT, 1)),
    message(() => encodeMessage({ action: "test", data }, LIMIT, 1)),
  );
});
