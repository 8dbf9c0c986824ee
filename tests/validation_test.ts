/**
 * Schemas, opt in: a Zod schema (any Standard Schema) per action, checked
 * where data is sent and where it arrives, on every transport.
 */

import assert from "node:assert/strict";
import { z } from "npm:zod@3.25.76";
import { decodeMessage, encodeMessage, type WireMessage } from "../src/codec.ts";
import { RemoteError, ValidationError } from "../src/errors.ts";
import type { Router } from "../src/router.ts";
import { checkData, type Schemas } from "../src/schema.ts";
import { nextEvent, waitFor } from "./helpers.ts";
import { type TestNetwork, testOnEveryNetwork } from "./networks.ts";
import { MANAGER } from "../src/address.ts";

const schemas = {
  saveRequest: z.object({ name: z.string().min(1), tags: z.array(z.string()).optional() }),
  saveResponse: z.object({ id: z.number().int() }),
  note: z.object({ text: z.string() }),
  trimmed: z.string().transform((text) => text.trim()),
  countResponse: z.number(),
  countBadResponse: z.number(),
  endlessResponse: z.number(),
  pingResponse: z.number(),
  // Zod drops keys a schema does not name: here, a hand-written answer's messageId.
  sumResponse: z.object({ sum: z.number() }),
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
      // Found at the responder or here, the failure keeps its action and issues.
      const issuesOf = (error: unknown) => {
        assert.equal((error as ValidationError).action, "saveResponse");
        assert.deepEqual((error as ValidationError).issues.map((issue) => issue.path), [["id"]]);
        return true;
      };
      await assert.rejects(
        r0.request("saveRequest", { name: "a" }, { to: 1 }),
        (error: unknown) =>
          isValidationError(
            /^Request "saveRequest" to worker 1 failed: Data of "saveResponse" to worker 0 failed its schema: data\.id/,
          )(error) && issuesOf(error),
      );
      await assert.rejects(
        r0.request("saveRequest", { name: "a" }, { to: 2 }),
        (error: unknown) =>
          isValidationError(
            /^Request "saveRequest" to worker 2 failed: Data of "saveResponse" from worker 2 failed its schema: data\.id: Expected integer/,
          )(error) && issuesOf(error),
      );
    },
  ],
  [
    "a streamed answer with a response schema ends as it should, checked on both sides",
    async (network) => {
      await network.open(MANAGER);
      const r0 = await network.router(0, { schemas });
      const r1 = await network.router(1, { schemas });
      const r2 = await network.router(2); // no schemas: only the requester checks
      for (const responder of [r1, r2]) {
        responder.listeners.handle("count", async function* () {
          yield 1;
          yield 2;
        });
      }
      for (const to of [1, 2]) {
        const parts: unknown[] = [];
        for await (const part of r0.requestStream("count", undefined, { to, timeout: 1000 })) {
          parts.push(part);
        }
        assert.deepEqual(parts, [1, 2], `from worker ${to}`);
      }
      r2.listeners.handle("countBad", async function* () {
        yield "three";
      });
      await assert.rejects(
        (async () => {
          for await (const _ of r0.requestStream("countBad", undefined, { to: 2, timeout: 1000 }));
        })(),
        isValidationError(
          /^Request "countBad" to worker 2 failed: Data of "countBadResponse" from worker 2 failed its schema: data: Expected number/,
        ),
      );
    },
  ],
  [
    "a part that fails the requester's schema ends the stream and stops its handler",
    async (network) => {
      await network.open(MANAGER);
      const r0 = await network.router(0, { schemas });
      const r1 = await network.router(1); // no schemas: it sends what fails
      const stopped = Promise.withResolvers<boolean>();
      r1.listeners.handle("endless", async function* (_data, msg) {
        try {
          for (let i = 0;; i++) yield i < 2 ? i : "not a number";
        } finally {
          stopped.resolve(msg.signal.aborted);
        }
      });
      const parts: unknown[] = [];
      await assert.rejects(
        (async () => {
          for await (const part of r0.requestStream("endless", undefined, { to: 1 })) {
            parts.push(part);
          }
        })(),
        isValidationError(/Data of "endlessResponse" from worker 1 failed its schema/),
      );
      assert.deepEqual(parts, [0, 1]);
      assert.equal(await waitFor(stopped.promise, "the handler to stop"), true, "aborted");
    },
  ],
  [
    "parts that fail the requester's schema, however many, bring one $cancel",
    async (network) => {
      await network.open(MANAGER);
      const r0 = await network.router(0, { schemas });
      const raw = await network.open(1);
      const cancels: unknown[] = [];
      const done = Promise.withResolvers<void>();
      raw.receive({
        deliver(_from, payloads) {
          for (const payload of payloads) {
            const message = decodeMessage(payload, "worker 0");
            if (message.action === "$cancel") cancels.push(message.data);
            if (message.action === "done") done.resolve();
            if (message.action !== "endless") continue;
            // Ten bad parts at once, all in flight when the first fails.
            for (let i = 0; i < 10; i++) {
              const part = {
                action: "endlessResponse",
                messageId: message.messageId,
                re: true,
                part: true,
                data: "bad",
              };
              raw.send(0, encodeMessage(part as WireMessage, 1 << 20, 0));
            }
          }
        },
        gone() {},
      });
      await assert.rejects(
        (async () => {
          for await (const _ of r0.requestStream("endless", undefined, { to: 1 }));
        })(),
        ValidationError,
      );
      // After everything the requester sent before it, in order.
      r0.sendMessage("done", undefined, 1);
      await waitFor(done.promise, "the requester's last message");
      assert.equal(cancels.length, 1, JSON.stringify(cancels));
    },
  ],
  [
    "an answer without data to a plain request is checked like any",
    async (network) => {
      await network.open(MANAGER);
      const r0 = await network.router(0, { schemas });
      const r1 = await network.router(1);
      r1.listeners.handle("pingRequest", () => undefined);
      await assert.rejects(
        r0.request("pingRequest", undefined, { to: 1 }),
        isValidationError(/Data of "pingResponse" from worker 1 failed its schema: data: Required/),
      );
    },
  ],
  [
    "an answer written by hand, its messageId in the data, is checked and settles its request",
    async (network) => {
      await network.open(MANAGER);
      const r0 = await network.router(0, { schemas });
      const r1 = await network.router(1);
      // Answered as scenario 3 does: a plain message, the request's id in its data.
      r1.listeners.on("sumRequest", (data, msg) => {
        const numbers = data as number[];
        const sum = numbers.length ? numbers.reduce((a, b) => a + b, 0) : "none";
        r1.sendMessage("sumResponse", { messageId: msg.messageId, sum }, msg.from);
      });
      // The schema's output has no messageId; the request is still found, and gets the output.
      const request = (numbers: number[]) =>
        r0.request("sumRequest", numbers, { to: 1, timeout: 2000 });
      assert.deepEqual(await request([1, 2, 3]), { sum: 6 });
      await assert.rejects(
        request([]),
        isValidationError(
          /^Request "sumRequest" to worker 1 failed: Data of "sumResponse" from worker 1 failed its schema: data\.sum: Expected number/,
        ),
      );
    },
  ],
  [
    "an error a handler throws that is named ValidationError stays a RemoteError",
    async (network) => {
      await network.open(MANAGER);
      const r0 = await network.router(0, { schemas });
      const r1 = await network.router(1);
      class ValidationError extends Error {
        override name = "ValidationError";
      }
      r1.listeners.handle("saveRequest", () => {
        throw new ValidationError("the app's own");
      });
      await assert.rejects(
        r0.request("saveRequest", { name: "a" }, { to: 1 }),
        (error: unknown) =>
          error instanceof RemoteError && error.remoteName === "ValidationError" &&
          error.remoteMessage === "the app's own",
      );
    },
  ],
  [
    "an answer that fails its schema after its request gave up is reported, not dropped",
    async (network) => {
      await network.open(MANAGER);
      const r0 = await network.router(0, { schemas });
      const r1 = await network.router(1);
      const release = Promise.withResolvers<void>();
      r1.listeners.handle("saveRequest", async () => {
        await release.promise;
        return { id: "late and wrong" };
      });
      await assert.rejects(r0.request("saveRequest", { name: "a" }, { to: 1, timeout: 10 }));
      const reported = nextError(r0);
      release.resolve();
      assert.match(
        (await reported).message,
        /^Data of "saveResponse" from worker 1 failed its schema: data\.id/,
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

testOnEveryNetwork(tests);

Deno.test("a schema that throws or breaks the interface fails the data, saying so, rather than the connection", () => {
  const schema = (validate: () => unknown) =>
    ({ "~standard": { version: 1, vendor: "test", validate } }) as unknown as Schemas[string];
  const check = (validate: () => unknown) => {
    const checked = checkData({ a: schema(validate) }, "a", 1);
    return "problem" in checked ? checked.problem : undefined;
  };
  assert.equal(
    check(() => {
      throw new Error("oops");
    }),
    "data: its schema threw: Error: oops",
  );
  assert.equal(
    check(() => undefined),
    "data: its schema returned no valid result: TypeError: undefined is not a result",
  );
  for (const result of [{ issues: "bad" }, { issues: [null] }, { issues: [{ path: "a" }] }]) {
    assert.match(check(() => result)!, /^data: its schema returned no valid result: TypeError/);
  }
  assert.match(check(() => ({ then() {} }))!, /validates asynchronously/);
  assert.equal(
    check(() => ({ issues: [{ message: "m", path: [{ key: "k" }, 0] }] })),
    "data.k[0]: m",
  );
  assert.match(check(() => Promise.resolve({ value: 1 }))!, /validates asynchronously/);
  // Issues, even none, mean it failed (Standard Schema): said so, not an empty reason.
  assert.equal(check(() => ({ issues: [] })), "data: its schema failed it, giving no issue");
  assert.deepEqual(checkData({ a: schema(() => ({ value: 2 })) }, "a", 1), { value: 2 });
});
