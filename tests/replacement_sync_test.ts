/**
 * A child that cannot reach a process by id or name, and has heard of no
 * replacement, asks its manager once (`$sync`) before it fails the
 * request: within the request's time and signal, not for a process it
 * heard crash, and once a request.
 */

import assert from "node:assert/strict";
import { type Address, ANY } from "../src/address.ts";
import { UnreachableError } from "../src/errors.ts";
import { Layout } from "../src/layout.ts";
import {
  type Asker,
  awaitReplacement,
  type CheckedRequest,
  NotSent,
} from "../src/replacement_wait.ts";
import { Replacements } from "../src/replacements.ts";
import { FakeClock } from "./fake_clock.ts";
import { waitFor } from "./helpers.ts";

function asker(sync: (about: Address) => Promise<void>, down: Address[] = []) {
  const clock = new FakeClock();
  const layout = new Layout(2, ["db"]);
  let syncs = 0;
  const asked: Address[] = [];
  const asking: Asker = {
    self: 0,
    replacements: new Replacements((address) => layout.has(address)),
    layout,
    clock,
    refusal: () => undefined,
    syncWithManager: (about) => {
      syncs++;
      asked.push(about);
      return sync(about);
    },
    heardDown: (address) => down.includes(address),
  };
  return { asking, clock, syncs: () => syncs, asked };
}

const notSent = () =>
  new NotSent(new UnreachableError('Request "getRequest" to service "db" failed'));
const never = () => new Promise<void>(() => {});

/** How a request whose manager never answers fails at its deadline: its error's name and message. */
async function unanswered(
  mayBeStarting?: () => boolean,
  heard?: (replacements: Replacements) => void,
): Promise<unknown> {
  const { asking, clock } = asker(never);
  asking.mayBeStarting = mayBeStarting;
  heard?.(asking.replacements);
  const checked = { to: "db", timeout: 100, signal: undefined };
  const waiting = awaitReplacement(asking, notSent(), "Request", "getRequest", checked, 100);
  clock.advance(100);
  const error = await waitFor(waiting, "the deadline").then(
    () => assert.fail("it did not fail"),
    (error: Error) => error,
  );
  return { name: error.name, message: error.message };
}

Deno.test("no answer from the manager: the request fails at its deadline, not later", async () => {
  // It may be starting, and not listen yet: that is what the wait was for.
  assert.deepEqual(await unanswered(), {
    name: "TimeoutError",
    message:
      'Request "getRequest" to service "db" timed out after 100 ms: service "db" was not ready in time',
  });
});

Deno.test("no answer from the manager about a process that started long ago: the error says the manager was late", async () => {
  assert.deepEqual(await unanswered(() => false), {
    name: "TimeoutError",
    message:
      'Request "getRequest" to service "db" timed out after 100 ms: service "db" is not connected, and the manager did not say why in time',
  });
});

Deno.test("no answer from the manager about a process being replaced: the error says no new process was ready", async () => {
  // The manager was late, and the reload was heard meanwhile: that is the news.
  const reloading = (replacements: Replacements) =>
    replacements.heard({ type: "reload", address: "db" });
  assert.deepEqual(await unanswered(() => false, reloading), {
    name: "TimeoutError",
    message:
      'Request "getRequest" to service "db" timed out after 100 ms: service "db" was being replaced, and no new process was ready in time',
  });
});

Deno.test("no answer from the manager: the request's signal still ends it", async () => {
  const { asking } = asker(never);
  const controller = new AbortController();
  const checked = { to: "db", timeout: 1_000, signal: controller.signal };
  const waiting = awaitReplacement(asking, notSent(), "Request", "getRequest", checked, 1_000);
  controller.abort(new Error("given up"));
  await assert.rejects(waitFor(waiting, "the abort"), { message: "given up" });
});

Deno.test("a process heard to have crashed fails the request at once, with no round trip", async () => {
  const { asking, syncs } = asker(() => Promise.resolve(), ["db"]);
  const checked = { to: "db", timeout: 100, signal: undefined };
  await assert.rejects(
    awaitReplacement(asking, notSent(), "Request", "getRequest", checked, 100),
    /to service "db" failed/,
  );
  assert.equal(syncs(), 0);
});

Deno.test("after the round trip, nothing replaced: once more, with the time left; then the failure", async () => {
  const { asking, clock, syncs } = asker(() => Promise.resolve());
  const checked = { to: "db", timeout: 100, signal: undefined };
  const answered = awaitReplacement(asking, notSent(), "Request", "getRequest", checked, 100);
  clock.advance(30);
  assert.equal(await answered, 70, "sent again within what is left");
  await assert.rejects(
    awaitReplacement(asking, notSent(), "Request", "getRequest", checked, 70),
    /to service "db" failed/,
  );
  assert.equal(syncs(), 1, "once a request");
});

Deno.test("to ANY, the manager is asked about each worker not heard down, and the first answer sends it again", async () => {
  const answers = new Map<Address, () => void>();
  const { asking, asked, clock } = asker(
    (about) => new Promise((resolve) => answers.set(about, resolve)),
    [1],
  );
  const checked: CheckedRequest = { to: ANY, timeout: 100, signal: undefined };
  const noWorker = new NotSent(new UnreachableError('Request "getRequest" to any worker failed'));
  const waiting = awaitReplacement(asking, noWorker, "Request", "getRequest", checked, 100);
  assert.deepEqual(asked, [0], "worker 1 was heard down");
  clock.advance(40);
  answers.get(0)!();
  assert.equal(await waitFor(waiting, "the answer"), 60, "sent again within what is left");
});
