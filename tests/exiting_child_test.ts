/**
 * A child told to exit stops reading: its manager relays nothing more to
 * it from other hosts, as it would arrive unread. A request for it is
 * refused on its behalf; a message waits for its next process, and is
 * bounced, where its sender sees it, if it will have none.
 */

import assert from "node:assert/strict";
import type { Address } from "../src/address.ts";
import { Layout } from "../src/layout.ts";
import { Router } from "../src/router.ts";
import type { Endpoint } from "../src/transport.ts";
import { openUnixEndpoint } from "../src/unix/transport.ts";
import { type FakeLink, fakeLink, gatewayOfB } from "./fake_link.ts";
import { nextEvent } from "./helpers.ts";

/** A process of worker 0: what it received, as text. */
interface Worker0 {
  endpoint: Endpoint;
  received: string[];
  /** Resolves once it has received `text`. */
  receives(text: string): Promise<void>;
}

/** The manager of host "b", on a fake link to host "a" (worker 5), and a way to start worker 0. */
async function hostB(): Promise<
  {
    router: Router;
    link: FakeLink;
    start(): Promise<Worker0>;
    gone(address: Address): Promise<void>;
  } & AsyncDisposable
> {
  const link = fakeLink();
  const { unix, endpoint, options } = await gatewayOfB(link, (error) => assert.fail(error));
  const goneListeners = new Set<(peer: Address) => void>();
  const router = new Router({
    endpoint,
    layout: new Layout([0, 5], [], ["manager@a"]),
    maxFrameSize: 1 << 20,
    requestTimeout: 1000,
    highWaterMark: 1 << 20,
    maxQueuedBytes: 1 << 26,
    onGone: (peer) => {
      for (const listener of goneListeners) listener(peer);
    },
  });
  router.ready();
  const workers: Endpoint[] = [];
  return {
    router,
    link,
    async start() {
      unix.released(0);
      const endpoint = await openUnixEndpoint(unix.childConfig, 0, options);
      workers.push(endpoint);
      const received: string[] = [];
      const arrivals = new Set<() => void>();
      endpoint.receive({
        deliver(_from, payloads) {
          for (const payload of payloads) received.push(new TextDecoder().decode(payload));
          for (const arrival of arrivals) arrival();
        },
        gone() {},
      });
      return {
        endpoint,
        received,
        receives: (text) =>
          nextEvent<void>((listener) => {
            const check = () => received.includes(text) && listener();
            arrivals.add(check);
            check();
            return () => arrivals.delete(check);
          }, `worker 0 to receive ${text}`),
      };
    },
    gone: (address) =>
      nextEvent<Address>(
        (listener) => {
          goneListeners.add(listener);
          return () => goneListeners.delete(listener);
        },
        `${address} to be gone`,
        (peer) => peer === address,
      ).then(() => {}),
    async [Symbol.asyncDispose]() {
      await router.close();
      for (const worker of workers) {
        worker.close();
        await worker.closed;
      }
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
const note = (n: number) => `{"action":"note","data":${n}}`;
/** A frame the manager sends worker 0 itself: what was relayed before it arrives before it. */
const MARK = '{"action":"$mark"}';

Deno.test("a child told to exit gets nothing more from other hosts: requests are refused for it, messages wait for its next process", async () => {
  await using b = await hostB();
  const first = await b.start();
  b.link.from(note(1));
  await first.receives(note(1));

  b.router.exiting(0);
  b.link.from(REQUEST);
  b.link.from(note(2));
  b.router.sendControl(0, "$mark");
  await first.receives(MARK);
  assert.deepEqual(first.received, [note(1), MARK], "nothing relayed to it after $exit");
  assert.deepEqual(b.link.sent, [REFUSAL]);

  first.endpoint.close();
  await b.gone(0);
  const next = await b.start();
  await next.receives(note(2));
  assert.deepEqual(next.received, [note(2)]);
  assert.deepEqual(b.link.bounced, []);
});

Deno.test("what waits for a child told to exit is bounced once it will have no next process", async () => {
  await using b = await hostB();
  const first = await b.start();
  b.router.exiting(0);
  b.link.from(note(1));
  b.link.from(note(2));
  first.endpoint.close();
  await b.gone(0);
  assert.deepEqual(b.link.bounced, [], "held while a next process may come");
  b.router.lifecycle({ type: "fatal", address: 0, restarts: 3, period: 60_000 });
  assert.deepEqual(b.link.bounced, [
    '5 → 0 "note": worker 0 stopped before it could take it',
    '5 → 0 "note": worker 0 stopped before it could take it',
  ]);
});
