/**
 * The peer's API on the memory transport: every process of a cluster in
 * this isolate, so that these run in milliseconds, and time is the test's.
 */

import assert from "node:assert/strict";
import { MANAGER } from "../src/address.ts";
import { NoHandlerError, RemoteError, TimeoutError, UnreachableError } from "../src/errors.ts";
import { Peer } from "../src/peer.ts";
import type { RouterOptions } from "../src/router.ts";
import { FakeClock } from "./fake_clock.ts";
import { nextEvent, waitFor } from "./helpers.ts";
import { memoryNetwork, type TestNetwork } from "./networks.ts";

type Protocol = {
  note: { text: string };
  echoRequest: { text: string };
  echoResponse: { text: string; by: number | string };
  failRequest: undefined;
  failResponse: never;
  slowRequest: undefined;
  slowResponse: string;
};

/** The manager, workers 0-2 and the logger service, each a typed peer. */
async function cluster(network: TestNetwork, options: Partial<RouterOptions> = {}) {
  const peers = new Map<number | string, Peer<Protocol>>();
  for (const address of [MANAGER, 0, 1, 2, "logger"]) {
    const router = await network.router(address, options);
    const peer = new Peer<Protocol>(router, () => router.close());
    peer.handle("echoRequest", (data) => ({ text: data.text, by: address }));
    peers.set(address, peer);
  }
  return peers;
}

Deno.test("peers in one isolate request, gather and reply, typed by the protocol", async () => {
  const network = memoryNetwork();
  const peers = await cluster(network);
  const manager = peers.get(MANAGER)!;
  assert.deepEqual(await manager.request("echoRequest", { text: "hi" }, { to: 1 }), {
    text: "hi",
    by: 1,
  });
  const all = await manager.requestAll("echoRequest", { text: "all" });
  assert.deepEqual(all, [0, 1, 2].map((by) => ({ from: by, data: { text: "all", by } })));
  assert.deepEqual(
    await peers.get(2)!.getProcess("logger").request("echoRequest", { text: "log" }),
    { text: "log", by: "logger" },
  );
  // A listener answers the sender it learned from the message.
  peers.get(0)!.on("note", (data, msg) => msg.reply("note", { text: `re: ${data.text}` }));
  const answer = nextEvent<string>(
    (listener) => manager.on("note", (data) => listener(data.text)),
    "the reply",
  );
  assert.equal(manager.sendMessage("note", { text: "ping" }, 0), 1);
  assert.equal(await answer, "re: ping");
  await network.close();
});

Deno.test("a request fails with the error that says why: handler threw, nobody handles, nobody there", async () => {
  const network = memoryNetwork();
  const peers = await cluster(network);
  const [manager, worker] = [peers.get(MANAGER)!, peers.get(1)!];
  worker.handle("failRequest", () => {
    throw new TypeError("bad input");
  });
  await assert.rejects(
    manager.request("failRequest", undefined, { to: 1 }),
    (error: unknown) =>
      error instanceof RemoteError && error.remoteName === "TypeError" &&
      error.message === 'Request "failRequest" to worker 1 failed: TypeError: bad input',
  );
  await assert.rejects(manager.request("failRequest", undefined, { to: 2 }), NoHandlerError);
  await assert.rejects(
    manager.request("echoRequest", { text: "x" }, { to: 9 }),
    /^UnreachableError: Request "echoRequest" to worker 9 failed: no such process/,
  );
  await network.close();
});

Deno.test("a request times out on the clock it was given, with a stack that shows the caller", async () => {
  const network = memoryNetwork();
  const clock = new FakeClock();
  const peers = await cluster(network, { clock });
  peers.get(1)!.handle("slowRequest", () => new Promise<string>(() => {}));
  const request = peers.get(MANAGER)!.request("slowRequest", undefined, { to: 1, timeout: 500 });
  clock.advance(499);
  assert.equal(peers.get(MANAGER)!.stats().pendingRequests, 1);
  clock.advance(1);
  await assert.rejects(request, (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.message, 'Request "slowRequest" to worker 1 timed out after 500 ms');
    assert.match(error.stack ?? "", /peer_test\.ts/);
    return true;
  });
  assert.equal(peers.get(MANAGER)!.stats().pendingRequests, 0);
  await network.close();
});

Deno.test("a peer that leaves fails the requests open to it at once", async () => {
  const network = memoryNetwork();
  const peers = await cluster(network);
  const started = Promise.withResolvers<void>();
  peers.get(2)!.handle("slowRequest", () => {
    started.resolve();
    return new Promise<string>(() => {});
  });
  const request = peers.get(0)!.request("slowRequest", undefined, { to: 2, timeout: 60_000 });
  await waitFor(started.promise, "the handler to start");
  await peers.get(2)!.close();
  await assert.rejects(
    request,
    (error: unknown) =>
      error instanceof UnreachableError &&
      error.message ===
        'Request "slowRequest" to worker 2 failed: the connection closed before it answered',
  );
  await network.close();
});
