/**
 * Host "b"'s manager for tests of what it does for its children with other
 * hosts' traffic: a router over a gateway on a fake link to host "a"
 * (worker 5), and a way to start worker 0 as a real endpoint.
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
export interface Worker0 {
  endpoint: Endpoint;
  received: string[];
  /** Resolves once it has received `text`, or text that `text` says is the one; with that text. */
  receives(text: string | ((received: string) => boolean)): Promise<string>;
}

/** The manager of host "b", on a fake link to host "a" (worker 5), and a way to start worker 0. */
export async function hostB(): Promise<
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
          nextEvent<string>((listener) => {
            const is = typeof text === "string" ? (got: string) => got === text : text;
            const check = () => {
              const got = received.find(is);
              if (got !== undefined) listener(got);
            };
            arrivals.add(check);
            check();
            return () => arrivals.delete(check);
          }, `worker 0 to receive ${typeof text === "string" ? text : "what the test waits for"}`),
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
