/**
 * `MessageSender` (src/message_sender.ts) in one process, on the memory
 * transport: how many processes a message is handed to, a list that names
 * one twice, the checks made before anything is encoded, and this host's
 * manager named by its cluster-wide address. Through real routers and
 * sockets: tests/router_test.ts, tests/peer_test.ts, tests/validation_test.ts.
 */

import assert from "node:assert/strict";
import { ANY, MANAGER, managerOf } from "../src/address.ts";
import { decodeMessage } from "../src/codec.ts";
import { Layout } from "../src/layout.ts";
import { Loopback } from "../src/loopback.ts";
import { MemoryNetwork } from "../src/memory_transport.ts";
import { MessageSender } from "../src/message_sender.ts";
import { Outbox } from "../src/outbox.ts";
import { waitFor } from "./helpers.ts";

/** Worker 0's sender, in a cluster of workers 0 to 2 on host "a", each reading what it is sent. */
async function senderOf() {
  const network = new MemoryNetwork();
  const options = { maxPayload: 1 << 20, report: (error: Error) => assert.fail(error) };
  const endpoint = await network.open(0, options);
  endpoint.receive({ deliver: () => {}, gone: () => {} });
  const read: [number, string][] = [];
  const peers = await Promise.all([1, 2].map((address) => network.open(address, options)));
  for (const [i, peer] of peers.entries()) {
    peer.receive({
      deliver: (_from, payloads) => {
        for (const payload of payloads) read.push([i + 1, decodeMessage(payload, "test").action]);
      },
      gone: () => {},
    });
  }
  const loopback = new Loopback(() => {});
  const layout = new Layout(3, [], [managerOf("b")], managerOf("a"));
  const outbox = new Outbox(endpoint, loopback, 1 << 20, layout);
  const sender = new MessageSender({ outbox, maxFrameSize: 1 << 20, load: () => 0 });
  const close = async () => {
    loopback.close();
    for (const each of [endpoint, ...peers]) each.close();
    await Promise.all([endpoint, ...peers].map((each) => each.closed));
  };
  return { sender, endpoint, read, close };
}

Deno.test("MessageSender hands a message to each process named, once though listed twice", async () => {
  const { sender, endpoint, read, close } = await senderOf();
  assert.equal(sender.send("hello", 1, 1), 1);
  assert.equal(sender.send("all", null, [1, 2, 1]), 2);
  await waitFor(endpoint.drained(0), "what was sent to be handed on");
  read.sort(([a], [b]) => a - b);
  assert.deepEqual(read, [[1, "hello"], [1, "all"], [2, "all"]]);
  await close();
});

Deno.test("MessageSender hands a message to ANY to one worker", async () => {
  const { sender, close } = await senderOf();
  assert.equal(sender.send("any", null, ANY), 1);
  await close();
});

Deno.test("MessageSender refuses a reserved action before it encodes anything", async () => {
  const { sender, endpoint, close } = await senderOf();
  assert.throws(() => sender.send("$ready", null, 1), TypeError);
  assert.equal(endpoint.queued(1), 0);
  await close();
});

Deno.test("MessageSender names this host's manager, by its cluster-wide address, as MANAGER", async () => {
  const { sender, close } = await senderOf();
  assert.deepEqual(sender.here({ to: managerOf("a") }), { to: MANAGER });
  assert.deepEqual(sender.here({ to: [1, managerOf("a")] }), { to: [1, MANAGER] });
  const options = { to: managerOf("b") };
  assert.equal(sender.here(options), options, "another host's manager, as it is");
  await close();
});
