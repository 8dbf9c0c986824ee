/**
 * Schemas, opt in: a Zod schema (any Standard Schema) per action, checked
 * where data is sent and where it arrives, on every transport.
 */

import assert from "node:assert/strict";
import { z } from "npm:zod@3.25.76";
import { ValidationError } from "../src/errors.ts";
import type { Router } from "../src/router.ts";
import type { Schemas } from "../src/schema.ts";
import { nextEvent } from "./helpers.ts";
import { NETWORKS, type TestNetwork } from "./networks.ts";
import { MANAGER } from "../src/address.ts";

const schemas = {
  saveRequest: z.object({ name: z.string().min(1), tags: z.array(z.string()).optional() }),
  saveResponse: z.object({ id: z.number().int() }),
  note: z.object({ text: z.string() }),
  trimmed: z.string().transform((text) => text.trim()),
} satisfies Schemas;

function isValidationError(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  };
}

function nextError(router: Router): Promise<Error> {
  return nextEvent((listener) => router.listeners.onError(listener), "an error report");
}

const tests: [string, (network: TestNetwork) => Promise<void>][] = [
  [
    "data that fails its schema is refused at the sender, naming the action, target and path",
    async (network) => {
      await network.open(MANAGER);
      const r0 = await network.router(0, { schemas });
      await network.router(1, { schemas });
      assert.throws(
        () => r0.sendMessage("note", { text: 5 }, 1),
        isValidationError(
          /^Data of "note" to worker 1 failed its schema: data\.text: Expected string/,
        ),
      );
      await assert.rejects(
        r0.request("saveRequest", { name: "ok", tags: ["a", 2] }, { to: 1 }),
        (error: unknown) => {
          isValidationError(/data\.tags\[1\]: Expected string, received number$/)(error);
          assert.deepEqual((error as ValidationError).issues[0].path, ["tags", 1]);
          assert.equal((error as ValidationError).action, "saveRequest");
          return true;
        },
      );
      // Actions without a schema are not checked.
      assert.equal(r0.sendMessage("free", { anything: 1 }, 1), 1);
    },
  ],
  [
    "data that fails at the receiver is not delivered: a request rejects, a message is reported",
    async (network) => {
      await network.open(MANAGER);
      const r0 = await network.router(0); // no schemas: sends anything
      const r1 = await network.router(1, { schemas });
      let handled = 0;
      r1.listeners.handle(
        "saveRequest",
        (data) => ({ id: (data as { name: string }).name.length, handled: ++handled }),
      );
      const notes: unknown[] = [];
      r1.listeners.on("note", (data) => notes.push(data));
      await assert.rejects(
        r0.request("saveRequest", { name: "" }, { to: 1 }),
        isValidationError(
          /^Request "saveRequest" to worker 1 failed: Data of "saveRequest" from worker 0 failed its schema: data\.name: String must contain at least 1/,
        ),
      );
      const reported = nextError(r1);
      r0.sendMessage("note", { text: null }, 1);
      r0.sendMessage("note", { text: "fine" }, 1);
      const error = await reported;
      assert.ok(error instanceof ValidationError);
      assert.match(error.message, /^Data of "note" from worker 0 failed its schema: data\.text/);
      assert.deepEqual(await r0.request("saveRequest", { name: "abc" }, { to: 1 }), {
        id: 3,
        handled: 1,
      });
      assert.deepEqual(notes, [{ text: "fine" }], "only the good note reached the listener");
      assert.equal(handled, 1, "the bad request never reached the handler");
    },
  ],
  [
    "an answer that fails its schema fails the request, at the responder or the requester",
    async (network) => {
      await network.open(MANAGER);
      const r0 = await network.router(0, { schemas });
      const r1 = await network.router(1, { schemas });
      const r2 = await network.router(2); // no schemas: answers anything
      r1.listeners.handle("saveRequest", () => ({ id: "seven" }));
      r2.listeners.handle("saveRequest", () => ({ id: 1.5 }));
      await assert.rejects(
        r0.request("saveRequest", { name: "a" }, { to: 1 }),
        isValidationError(
          /^Request "saveRequest" to worker 1 failed: Data of "saveResponse" to worker 0 failed its schema: data\.id/,
        ),
      );
      await assert.rejects(
        r0.request("saveRequest", { name: "a" }, { to: 2 }),
        isValidationError(
          /^Request "saveRequest" to worker 2 failed: Data of "saveResponse" from worker 2 failed its schema: data\.id: Expected integer/,
        ),
      );
    },
  ],
  ["the receiver gets the schema's output", async (network) => {
    await network.open(MANAGER);
    const r0 = await network.router(0, { schemas });
    const r1 = await network.router(1, { schemas });
    const heard = nextEvent<unknown>((listener) => r1.listeners.on("trimmed", listener), "trimmed");
    r0.sendMessage("trimmed", "  padded  ", 1);
    assert.equal(await heard, "padded");
  }],
];

for (const { name, make } of NETWORKS) {
  for (const [behaviour, test] of tests) {
    Deno.test(`${name}: ${behaviour}`, async () => {
      const network = await make();
      try {
        await test(network);
      } finally {
        await network.close();
      }
    });
  }
}
