/**
 * The Node.js reference peer's relay frames (`peers/node/relay.mjs`,
 * `peers/node/other_hosts.mjs`): their format against Switchboard's own
 * (`src/unix/relay.ts`), both ways; and, with a manager played by hand, what
 * the peer sends and does for each kind (README "Protocol", Relay frames).
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { WireMessage } from "../src/codec.ts";
import { copyPayload } from "../src/payload_pieces.ts";
import {
  DELIVER,
  FORWARD,
  GONE,
  REACH,
  reachable,
  readGone,
  readRelay,
  readTaken,
  type Relay,
  relayPayload,
  TAKEN,
  takenBody,
} from "../src/unix/relay.ts";
import * as node from "../peers/node/relay.mjs";
import { frame } from "../peers/node/frames.mjs";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";
import { waitFor } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;
const utf8 = new TextEncoder();
const text = new TextDecoder();

/** A relay frame as Switchboard writes it, in one array. */
function relay(kind: Relay["kind"], address: number | string, body: string): Uint8Array {
  return copyPayload(relayPayload(kind, address, body));
}

Deno.test("the Node peer's relay frames are read and written as Switchboard's", () => {
  for (const address of [7, 0, "logger", "manager@web-2", "é"]) {
    const body = utf8.encode(`{"action":"x","data":${JSON.stringify(address)}}`);
    for (const kind of [FORWARD, DELIVER, GONE, REACH, TAKEN] as const) {
      assert.deepEqual(
        [...node.relayPayload(kind, address, body)],
        [...copyPayload(relayPayload(kind, address, body))],
        `kind ${kind} to ${address}`,
      );
      const read = node.readRelay(relay(kind, address, text.decode(body)));
      assert.deepEqual({ ...read, body: [...read!.body] }, { kind, address, body: [...body] });
    }
  }
  assert.throws(() => node.relayPayload(FORWARD, "x".repeat(254), "{}"), RangeError);
  assert.throws(() => relayPayload(FORWARD, "x".repeat(254), "{}"), RangeError);
  // Malformed: neither reads them.
  const malformed = [
    Uint8Array.of(FORWARD),
    Uint8Array.of(DELIVER, 5, 0x31),
    Uint8Array.of(DELIVER, 2, 0x2d, 0x31),
    Uint8Array.of(GONE, 2, 0x22, 0x22),
    Uint8Array.of(GONE, 1, 0x7b),
    Uint8Array.of(6, 1, 0x31),
    utf8.encode('{"action":"x"}'),
  ];
  for (const payload of malformed) {
    assert.equal(node.readRelay(payload), undefined, `${[...payload]}`);
    assert.equal(readRelay(payload), undefined, `${[...payload]}`);
  }
  for (const taken of [1, 300, "rest"] as const) {
    assert.equal(node.takenBody(taken), takenBody(taken));
    assert.equal(readTaken(utf8.encode(node.takenBody(taken))), taken);
  }
  for (
    const body of [
      '{"reason":"gone"}',
      "{}",
      '{"reason":3}',
      "not json",
      '{"reply":true}',
      '{"reply":1}',
    ]
  ) {
    const gone = readGone(utf8.encode(body));
    assert.equal(node.goneReason(utf8.encode(body)), gone.reason, body);
    assert.equal(node.goneReportOnly(utf8.encode(body)), gone.reportOnly, body);
  }
  for (const body of ['{"reachable":false}', '{"reachable":true}', '{"reachable":1}', ""]) {
    assert.equal(node.reachable(utf8.encode(body)), reachable(utf8.encode(body)), body);
  }
});

/**
 * The Node service "node" on a host of its own but for worker 0, in a
 * cluster that spans hosts: worker 7 is on another, reached through the
 * manager played here, which relays at most 64 KiB.
 */
function startNode(): Promise<FakeManager> {
  return FakeManager.start(
    ["node", NODE_SERVICE],
    bootstrapOf("node", { workers: [0], services: ["node"], spanning: true }),
  );
}

/** A frame the Node peer sent: a relay frame read, or a message. */
type Sent = { relay: Relay & { message?: WireMessage } } | { message: WireMessage };

async function nextSent(manager: FakeManager): Promise<Sent> {
  const payload = await manager.next();
  const read = readRelay(payload);
  if (!read) return { message: JSON.parse(text.decode(payload)) };
  const body = read.kind === FORWARD ? { message: JSON.parse(text.decode(read.body)) } : {};
  return { relay: { ...read, body: read.body.slice(), ...body } };
}

/** What the Node peer sends until it answers the manager's `doRequest` `id`, and the answer. */
async function untilAnswer(
  manager: FakeManager,
  id: string,
): Promise<{ before: Sent[]; answer: unknown }> {
  const before: Sent[] = [];
  for (;;) {
    const sent = await nextSent(manager);
    if ("message" in sent && sent.message.messageId === id) {
      return { before, answer: sent.message.data };
    }
    before.push(sent);
  }
}

/** Asks the Node service to perform `op`, as remote_control.ts's `doRequest` does. */
function ask(manager: FakeManager, id: string, op: Record<string, unknown>): void {
  manager.send({ action: "doRequest", data: op, messageId: id });
}

function bodyOf(sent: Sent): unknown {
  return "relay" in sent ? JSON.parse(text.decode(sent.relay.body)) : undefined;
}

Deno.test("a Node peer hands on what the manager relays, answers through it, and says after each batch how many it took", async () => {
  await using manager = await startNode();
  // Two DELIVER frames from worker 7, in one write: one batch.
  manager.sendFramed(Buffer.concat([
    frame(relay(DELIVER, 7, '{"action":"log","data":1}')),
    frame(relay(DELIVER, 7, '{"action":"echoRequest","data":2,"messageId":"e1"}')),
  ]));
  const sent: Sent[] = [];
  let taken = 0;
  while (taken < 2) {
    const next = await nextSent(manager);
    sent.push(next);
    if ("relay" in next && next.relay.kind === TAKEN) {
      taken += (bodyOf(next) as { count: number }).count;
    }
  }
  const saw = sent.flatMap((s) => "message" in s && s.message.action === "serviceSaw" ? [s] : []);
  assert.deepEqual(saw.map((s) => "message" in s && s.message.data), [
    { action: "log", data: 1, from: 7 },
    { action: "echoRequest", data: 2, from: 7 },
  ], "from as the manager attests");
  const forwarded = sent.find((s) => "relay" in s && s.relay.kind === FORWARD);
  assert.ok(forwarded && "relay" in forwarded);
  assert.equal(forwarded.relay.address, 7);
  assert.deepEqual(forwarded.relay.message, {
    action: "echoResponse",
    data: { data: 2, by: "node", from: 7 },
    messageId: "e1",
    re: true,
  });
  const last = sent.at(-1)!;
  assert.ok("relay" in last && last.relay.kind === TAKEN && last.relay.address === "manager");
  assert.deepEqual(bodyOf(last), { count: 2 }, "said once, after the batch");
  // Frames that are not relayed are not counted.
  ask(manager, "d1", { op: "pid" });
  const { before } = await untilAnswer(manager, "d1");
  assert.deepEqual(before, []);
});

Deno.test("a Node peer given a bad message relayed from another host reports it, takes it, and keeps its manager", async () => {
  await using manager = await startNode();
  manager.sendFramed(frame(relay(DELIVER, 7, "not a message")));
  const taken = await nextSent(manager);
  assert.ok("relay" in taken && taken.relay.kind === TAKEN, "counted as taken");
  assert.deepEqual(bodyOf(taken), { count: 1 });
  ask(manager, "d1", { op: "pid" });
  await untilAnswer(manager, "d1");
});

Deno.test("a Node peer refuses sends to other hosts as not connected while the manager says it cannot reach them", async () => {
  await using manager = await startNode();
  manager.send(relay(REACH, "manager", '{"reachable":false}'));
  ask(manager, "d1", { op: "send", action: "test", data: 1, to: [7, 0] });
  assert.deepEqual(await untilAnswer(manager, "d1"), { before: [], answer: { ok: 0 } });
  ask(manager, "d2", { op: "request", action: "echoRequest", to: 7 });
  assert.deepEqual(await untilAnswer(manager, "d2"), {
    before: [],
    answer: {
      error: {
        name: "UnreachableError",
        message: 'Request "echoRequest" to worker 7 failed: it is not connected',
        action: "echoRequest",
        peer: 7,
      },
    },
  });
  manager.send(relay(REACH, "manager", '{"reachable":true}'));
  ask(manager, "d3", { op: "send", action: "test", data: 1, to: 7 });
  const { before, answer } = await untilAnswer(manager, "d3");
  assert.deepEqual(answer, { ok: 1 });
  assert.deepEqual(before.map((s) => "relay" in s && [s.relay.kind, s.relay.address]), [
    [FORWARD, 7],
  ]);
});

Deno.test("a Node peer fails its requests to a process the manager says is gone, and reports why", async () => {
  await using manager = await startNode();
  ask(manager, "d1", { op: "request", action: "echoRequest", data: 3, to: 7, timeout: 60_000 });
  const forwarded = await nextSent(manager);
  assert.ok("relay" in forwarded && forwarded.relay.kind === FORWARD);
  assert.equal(forwarded.relay.message?.action, "echoRequest");
  manager.send(relay(GONE, 7, '{"reason":"worker 7 went away for the test"}'));
  assert.deepEqual(await untilAnswer(manager, "d1"), {
    before: [],
    answer: {
      error: {
        name: "UnreachableError",
        message:
          'Request "echoRequest" to worker 7 failed: the connection closed before it answered',
        action: "echoRequest",
        peer: 7,
      },
    },
  });
  ask(manager, "d2", { op: "errors" });
  assert.deepEqual((await untilAnswer(manager, "d2")).answer, {
    ok: ["worker 7 went away for the test"],
  });
});

Deno.test("a Node peer told that a message it sent was refused reports it, and keeps its requests to that process open", async () => {
  await using manager = await startNode();
  ask(manager, "d1", { op: "request", action: "echoRequest", data: 3, to: 7, timeout: 60_000 });
  const forwarded = await nextSent(manager);
  assert.ok("relay" in forwarded && forwarded.relay.kind === FORWARD);
  const { messageId } = forwarded.relay.message as { messageId: string };
  manager.send(relay(GONE, 7, '{"reason":"a message to worker 7 was refused","reportOnly":true}'));
  // Worker 7 answers after: the request was still open.
  const answer = { action: "echoResponse", messageId, re: true, data: "from 7" };
  manager.send(relay(DELIVER, 7, JSON.stringify(answer)));
  const { answer: outcome } = await untilAnswer(manager, "d1");
  assert.deepEqual(outcome, { ok: "from 7" });
  ask(manager, "d2", { op: "errors" });
  assert.deepEqual((await untilAnswer(manager, "d2")).answer, {
    ok: ["a message to worker 7 was refused"],
  });
});

Deno.test("a Node peer forwards at most what the manager relays, and refuses more as a FrameError", async () => {
  await using manager = await startNode();
  // `{"action":"big","data":"…"}`: 26 bytes and the string.
  ask(manager, "d1", { op: "send", action: "big", data: "x".repeat(64 * 1024 - 26), to: 7 });
  const { before, answer } = await untilAnswer(manager, "d1");
  assert.deepEqual(answer, { ok: 1 });
  assert.deepEqual(before.map((s) => "relay" in s && [s.relay.kind, s.relay.body.length]), [
    [FORWARD, 64 * 1024],
  ]);
  ask(manager, "d2", { op: "send", action: "big", data: "x".repeat(64 * 1024), to: [0, 7] });
  assert.deepEqual(await untilAnswer(manager, "d2"), {
    before: [],
    answer: {
      error: {
        name: "FrameError",
        message:
          'Cannot send "big" to worker 7: the message is 65562 bytes, over the 65536-byte limit of the transport to it (the test\'s limit)',
        action: "big",
        peer: 7,
      },
    },
  });
});

Deno.test("a Node peer that closes gracefully says it takes the rest before it shuts its side", async () => {
  await using manager = await startNode();
  manager.send({ action: "$stop" });
  const goodbye = await manager.nextMessage();
  assert.equal(goodbye.action, "goodbye");
  assert.equal((await manager.nextMessage()).action, "$stopped");
  manager.send({ action: "$exit" });
  const rest = await nextSent(manager);
  assert.ok("relay" in rest && rest.relay.kind === TAKEN);
  assert.deepEqual(bodyOf(rest), { rest: true });
  await manager.ended();
  // It reads on until the manager closes too.
  manager.send(relay(DELIVER, 7, '{"action":"log","data":"late"}'));
  await manager.close();
  assert.equal((await waitFor(manager.child.status, "the Node service to exit")).code, 0);
});

Deno.test("a relay frame of a kind the manager does not send closes the Node peer's connection to it", async () => {
  await using manager = await startNode();
  manager.send(relay(FORWARD, 7, '{"action":"log"}'));
  await manager.ended();
  assert.equal((await waitFor(manager.child.status, "the Node service to exit")).code, 1);
});
