/**
 * A manager whose children other hosts reach through it refuses, on a
 * child's behalf, a request the child could not take: one for a child that
 * is down while it is being replaced, or while this host stops. The
 * refusal goes back as from the child, carrying the request's data, as a
 * child stopping alone refuses, so that the requester waits for the new
 * process or, to `ANY`, asks another worker.
 */

import assert from "node:assert/strict";
import { Layout } from "../src/layout.ts";
import { Router } from "../src/router.ts";
import { type FakeLink, fakeLink, gatewayOfB } from "./fake_link.ts";

/** The manager of host "b" (worker 0, never joined), on a fake link to host "a" (worker 5). */
async function managerOfB(): Promise<
  { router: Router; link: FakeLink } & AsyncDisposable
> {
  const link = fakeLink();
  const { unix, endpoint } = await gatewayOfB(link, (error) => assert.fail(error));
  const router = new Router({
    endpoint,
    layout: new Layout([0, 5], [], ["manager@a"]),
    maxFrameSize: 1 << 20,
    requestTimeout: 1000,
    highWaterMark: 1 << 20,
    maxQueuedBytes: 1 << 26,
  });
  router.ready();
  return {
    router,
    link,
    async [Symbol.asyncDispose]() {
      await router.close();
      await unix.close();
    },
  };
}

const REQUEST = '{"action":"workRequest","messageId":"m1","data":{"n":1}}';
const REFUSAL = {
  from: 0,
  to: 5,
  payload: JSON.stringify({
    action: "workResponse",
    messageId: "m1",
    re: true,
    error: { name: "ClosedError", message: "worker 0 is stopping", stopping: true },
    data: { n: 1 },
  }),
};

Deno.test("a request from another host for a child down while it is being replaced is refused for it", async () => {
  await using b = await managerOfB();
  b.router.lifecycle({ type: "reload", address: 0 });
  b.link.from(REQUEST);
  assert.deepEqual(b.link.sent, [REFUSAL]);
  assert.deepEqual(b.link.bounced, []);
});

Deno.test("a request from another host for a child that is down as its host stops is refused for it", async () => {
  await using b = await managerOfB();
  b.router.refuseNewRequests();
  b.link.from(REQUEST);
  assert.deepEqual(b.link.sent, [REFUSAL]);
  // A message is no request: held for the child, which may still join.
  b.link.from('{"action":"note","data":1}');
  assert.deepEqual(b.link.sent, [REFUSAL]);
});
