/**
 * `RequestAll` (src/request_all.ts) in one process: what `requestAll()`
 * checks and encodes once, whom it asks, and what each target settles to.
 * Each target's request is a fake that writes down what it was given;
 * across processes: gather_test.ts, review26_request_all_resend_test.ts.
 */

import assert from "node:assert/strict";
import type { Address } from "../src/address.ts";
import { EncodedData } from "../src/codec.ts";
import { FrameError } from "../src/errors.ts";
import { RequestAll } from "../src/request_all.ts";
import type { RequesterOptions, RequestSender } from "../src/request_sender.ts";
import type { RequestOptions } from "../src/request_types.ts";

const MAX_FRAME = 1_000;

/** RequestAll in a cluster of 3 workers; `answer` settles each target's request. */
function requestAllOf(answer: (to: Address) => Promise<unknown>) {
  const asked: { to: Address; data: unknown; encoded: unknown; options: RequestOptions }[] = [];
  const options = {
    outbox: { layout: { workerIds: [0, 1, 2] } },
    maxFrameSize: MAX_FRAME,
    requestTimeout: 30_000,
  } as unknown as RequesterOptions;
  const sender = { messageIdAhead: (ahead: number) => `id.${ahead}` } as unknown as RequestSender;
  const all = new RequestAll(options, sender, (_action, data, encoded, options) => {
    asked.push({ to: options.to as Address, data, encoded, options });
    return answer(options.to as Address);
  });
  return { all, asked };
}

Deno.test("RequestAll asks every worker by default, and each listed process once, settling each in target order", async () => {
  const { all, asked } = requestAllOf((to) =>
    to === 1 ? Promise.reject(new Error("worker 1 failed")) : Promise.resolve(`from ${to}`)
  );
  const settled = await all.requestAll("statsRequest", { n: 1 });
  assert.deepEqual(asked.map(({ to }) => to), [0, 1, 2]);
  assert.deepEqual(settled[0], { from: 0, data: "from 0" });
  assert.ok("error" in settled[1]);
  assert.equal(settled[1].error.message, "worker 1 failed");
  assert.deepEqual(settled[2], { from: 2, data: "from 2" });
  asked.length = 0;
  await all.requestAll("statsRequest", undefined, { to: [2, 0, 2, "logger"] });
  assert.deepEqual(asked.map(({ to }) => to), [2, 0, "logger"]);
});

Deno.test("RequestAll encodes the data once for every target, and hands on the timeout and signal", async () => {
  const { all, asked } = requestAllOf(() => Promise.resolve(undefined));
  const signal = new AbortController().signal;
  await all.requestAll("statsRequest", { n: 1 }, { to: [0, 1], timeout: 500, signal });
  assert.ok(asked[0].encoded instanceof EncodedData);
  assert.equal(asked[0].encoded, asked[1].encoded, "one encoding");
  assert.deepEqual(asked[0].data, { n: 1 });
  assert.deepEqual(asked.map(({ options }) => [options.timeout, options.signal]), [
    [500, signal],
    [500, signal],
  ]);
});

Deno.test("RequestAll refuses once what no target could take, asking none", async () => {
  const { all, asked } = requestAllOf(() => Promise.resolve(undefined));
  await assert.rejects(all.requestAll("$stop", undefined), TypeError);
  await assert.rejects(
    all.requestAll("statsRequest", undefined, { tto: 1 } as never),
    TypeError,
  );
  await assert.rejects(all.requestAll("statsRequest", undefined, { timeout: -1 }), TypeError);
  await assert.rejects(
    all.requestAll("statsRequest", "x".repeat(MAX_FRAME)),
    (error: unknown) => error instanceof FrameError && /maxFrameSize/.test(error.message),
  );
  assert.deepEqual(asked, []);
});

Deno.test("RequestAll settles a target whose failure is no Error to an AbortError that says it, with it as the cause", async () => {
  const { all } = requestAllOf(() => Promise.reject("shutting down"));
  const [settled] = await all.requestAll("statsRequest", undefined, { to: [1] });
  assert.ok("error" in settled);
  const { error } = settled;
  assert.ok(error instanceof DOMException);
  assert.equal(error.name, "AbortError");
  assert.equal(error.message, 'Request "statsRequest" to worker 1 was aborted: "shutting down"');
  assert.equal(error.cause, "shutting down");
});
