/** `message_shape.ts`: what a decoded frame must look like to be a message, field by field. */

import assert from "node:assert/strict";
import { actionOf, checkShape } from "../src/message_shape.ts";

Deno.test("checkShape passes a message of every field's form", () => {
  const table: unknown[] = [
    { action: "note" },
    { action: "workRequest", messageId: "m1", data: 1, timeout: 0, stream: 4 },
    { action: "workResponse", messageId: "m1", re: true, part: true },
    {
      action: "workResponse",
      re: true,
      error: {
        name: "ValidationError",
        message: "bad",
        stack: "at x",
        schema: "workRequest",
        issues: [{ message: "no", path: ["a", 0] }],
        stopping: true,
        undelivered: true,
      },
    },
  ];
  for (const message of table) {
    assert.equal(checkShape(message), undefined, JSON.stringify(message));
  }
});

Deno.test("checkShape says what is wrong with a frame that is no message", () => {
  const table: [unknown, string][] = [
    [[1], "it is not a JSON object"],
    [null, "it is not a JSON object"],
    [{ action: "" }, 'its "action" is not a non-empty string'],
    [{ action: "a", messageId: 1 }, 'its "messageId" is not a string'],
    [{ action: "a", re: false }, 'its "re" is not true'],
    [{ action: "a", timeout: -1 }, 'its "timeout" is not a number of ms'],
    [{ action: "a", stream: 0.5 }, 'its "stream" is not a whole number of parts above 0'],
    [{ action: "a", re: true, part: 1 }, 'its "part" is not true'],
    [{ action: "a", part: true }, 'its "part" is for answers, and it has no "re": true'],
    [
      { action: "a", re: true, error: { name: "E" } },
      'its "error" is not an object with string "name" and "message"',
    ],
    [
      { action: "a", re: true, error: { name: "E", message: "m", issues: [{ path: [] }] } },
      'its "error" is not an object with string "name" and "message"',
    ],
    [
      { action: "a", error: { name: "E", message: "m" } },
      'its "error" is for answers, and it has no "re": true',
    ],
  ];
  for (const [value, problem] of table) {
    assert.equal(checkShape(value), problem, JSON.stringify(value));
  }
});

Deno.test("actionOf names the action of a frame of the wrong shape, when it has a valid one", () => {
  assert.equal(actionOf({ action: "note", re: false }), "note");
  assert.equal(actionOf({ action: "" }), undefined);
  assert.equal(actionOf({ action: 1 }), undefined);
  assert.equal(actionOf(["note"]), undefined);
  assert.equal(actionOf("note"), undefined);
});
