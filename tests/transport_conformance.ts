/**
 * The conformance suite: what every transport promises the layers above
 * it. `transport_conformance_test.ts` runs it on each transport of
 * `networks.ts`; a new transport joins that list and must pass unchanged.
 */

import assert from "node:assert/strict";
import { type Address, MANAGER } from "../src/address.ts";
import {
  CLOSED,
  type Endpoint,
  FULL,
  type LastSent,
  type Receiver,
  TOO_LARGE,
  UNREACHABLE,
} from "../src/transport.ts";
import { waitFor } from "./helpers.ts";
import type { TestNetwork } from "./networks.ts";

const text = new TextDecoder();

/** A receiver that records what it is told, and lets a test wait for it. */
export class Inbox implements Receiver {
  /** Each payload delivered, decoded as text, with its sender. */
  readonly payloads: [Address, string][] = [];
  /** Each peer reported gone, with the reason and what it says of the last sent it. */
  readonly gones: [Address, Error | undefined, LastSent | undefined][] = [];
  /** Throws this for a payload with this text, to play a receiver that fails. */
  failOn: string | undefined;
  #check: (() => void) | undefined;

  deliver(from: Address, payloads: readonly Uint8Array[]): void {
    for (const payload of payloads) {
      const body = text.decode(payload);
      if (body === this.failOn) throw new Error(`receiver failed on "${body}"`);
      this.payloads.push([from, body]);
    }
    this.#check?.();
  }

  gone(peer: Address, reason: Error | undefined, last?: LastSent): void {
    this.gones.push([peer, reason, last]);
    this.#check?.();
  }

  /** The bodies from one sender, in order. */
  from(sender: Address): string[] {
    return this.payloads.filter(([from]) => from === sender).map(([, body]) => body);
  }

  /** Resolves once `done` holds. */
  until(done: (inbox: Inbox) => boolean, what: string): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#check = () => {
      if (done(this)) resolve();
    };
    this.#check();
    return waitFor(
      promise,
      () => `${what} (${this.payloads.length} payloads, gone: ${this.gones.map(([a]) => a)})`,
    ).finally(() => this.#check = undefined);
  }
}

/** Opens endpoints (the manager's first) and starts each receiving into an inbox. */
async function openAll(
  network: TestNetwork,
  addresses: Address[],
  maxPayload?: number,
): Promise<{ endpoints: Map<Address, Endpoint>; inboxes: Map<Address, Inbox> }> {
  const endpoints = new Map<Address, Endpoint>();
  const inboxes = new Map<Address, Inbox>();
  for (const address of addresses) {
    const endpoint = await network.open(address, maxPayload ? { maxPayload } : {});
    const inbox = new Inbox();
    endpoint.receive(inbox);
    endpoints.set(address, endpoint);
    inboxes.set(address, inbox);
  }
  return { endpoints, inboxes };
}

const numbered = (sender: Address, count: number) =>
  Array.from({ length: count }, (_, i) => `${sender}:${i}`);

/** The suite, as `[name, test]` pairs, for a transport's network. */
export const CONFORMANCE: [string, (network: TestNetwork) => Promise<void>][] = [
  [
    "delivers each payload once, in order per sender, with the sender attested",
    async (network) => {
      const { endpoints, inboxes } = await openAll(network, [MANAGER, 0, 1, 2]);
      const big = "x".repeat(200_000);
      const senders: Address[] = [MANAGER, 0, 2];
      for (let i = 0; i < 5_000; i++) {
        for (const sender of senders) endpoints.get(sender)!.send(1, `${sender}:${i}`);
        // A drain now and then, so that no queue grows without bound.
        if (i % 500 === 0) await Promise.all(senders.map((s) => endpoints.get(s)!.drained(0)));
      }
      endpoints.get(0)!.send(1, big);
      endpoints.get(0)!.send(1, "0:last");
      const inbox = inboxes.get(1)!;
      await inbox.until((i) => i.payloads.length === 3 * 5_000 + 2, "every payload");
      assert.deepEqual(inbox.from(MANAGER), numbered(MANAGER, 5_000));
      assert.deepEqual(inbox.from(2), numbered(2, 5_000));
      assert.deepEqual(inbox.from(0), [...numbered(0, 5_000), big, "0:last"]);
      // Both ways on one connection.
      endpoints.get(1)!.send(0, "back");
      await inboxes.get(0)!.until((i) => i.from(1).length === 1, "the answer");
      assert.deepEqual(inboxes.get(0)!.from(1), ["back"]);
    },
  ],
  [
    "refuses a payload over its limit at the sender, and queues nothing",
    async (network) => {
      const { endpoints, inboxes } = await openAll(network, [MANAGER, 0, 1], 1000);
      const zero = endpoints.get(0)!;
      assert.equal(zero.maxPayload(1), 1000);
      assert.equal(zero.send(1, new Uint8Array(1001)), TOO_LARGE);
      assert.equal(zero.send(1, "x".repeat(1001)), TOO_LARGE);
      assert.equal(zero.send(1, "é".repeat(501)), TOO_LARGE, "1002 bytes of UTF-8");
      assert.equal(zero.queued(1), 0);
      assert.equal(zero.send(1, "y".repeat(1000)), 1000);
      await inboxes.get(1)!.until((i) => i.payloads.length === 1, "the payload at the limit");
      assert.deepEqual(inboxes.get(1)!.from(0), ["y".repeat(1000)]);
    },
  ],
  [
    "delivers a payload in pieces as one, copied as it is sent, and refuses one over the limit",
    async (network) => {
      const { endpoints, inboxes } = await openAll(network, [MANAGER, 0, 1]);
      const zero = endpoints.get(0)!;
      const utf8 = new TextEncoder();
      const middle = new Uint8Array(300_000).fill(0x62);
      const pieces = [utf8.encode("head:"), middle, utf8.encode(":tail")];
      const payload = { pieces, length: 300_010 };
      assert.equal(zero.send(1, payload), 300_010);
      middle.fill(0x7a); // Changed after the send: what was sent is what it was.
      const rest = new Uint8Array(zero.maxPayload(1) - 9);
      assert.equal(
        zero.send(1, { pieces: [pieces[0], rest, pieces[2]], length: rest.length + 10 }),
        TOO_LARGE,
      );
      await inboxes.get(1)!.until((i) => i.payloads.length === 1, "the payload in pieces");
      assert.deepEqual(inboxes.get(1)!.from(0), [`head:${"b".repeat(300_000)}:tail`]);
    },
  ],
  [
    "shows backpressure: bytes queued, a refusal over the limit, and drain",
    async (network) => {
      const { endpoints, inboxes } = await openAll(network, [MANAGER, 0, 1]);
      const zero = endpoints.get(0)!;
      const payload = new Uint8Array(1000).fill(0x61);
      for (let i = 0; i < 100; i++) assert.equal(zero.send(1, payload), 1000);
      const queued = zero.queued(1);
      assert.equal(queued, 100 * (1000 + zero.overhead), "queued within the sending tick");
      assert.equal(zero.send(1, payload, queued + 999 + zero.overhead), FULL);
      assert.equal(zero.queued(1), queued, "a refused payload is not queued");
      assert.equal(zero.send(1, payload, queued + 1000 + zero.overhead), 1000, "exactly fits");
      await waitFor(zero.drained(0, 1), "the queue to drain");
      assert.equal(zero.queued(1), 0);
      assert.equal(zero.connections().find((c) => c.peer === 1)?.bytesQueued, 0);
      await inboxes.get(1)!.until((i) => i.payloads.length === 101, "every payload");
    },
  ],
  [
    "reports a peer gone as soon as it closes, and refuses sends to it",
    async (network) => {
      const { endpoints, inboxes } = await openAll(network, [MANAGER, 0, 1]);
      endpoints.get(0)!.send(1, "hello");
      await inboxes.get(1)!.until((i) => i.payloads.length === 1, "the first payload");
      endpoints.get(1)!.close(new Error("it crashed"));
      await inboxes.get(0)!.until((i) => i.gones.some(([a]) => a === 1), "worker 1 gone");
      await endpoints.get(1)!.closed;
      assert.ok(endpoints.get(0)!.send(1, "after") < 0, "refused, not counted");
      assert.ok(!endpoints.get(0)!.connected().includes(1));
    },
  ],
  [
    "closes gracefully: what was queued arrives, close is idempotent, sends are refused after",
    async (network) => {
      const { endpoints, inboxes } = await openAll(network, [MANAGER, 0, 1]);
      const zero = endpoints.get(0)!;
      for (let i = 0; i < 1000; i++) zero.send(1, `0:${i}`);
      zero.close();
      zero.close();
      assert.equal(zero.send(1, "late"), CLOSED);
      assert.equal(await waitFor(zero.closed, "the close"), undefined);
      const inbox = inboxes.get(1)!;
      await inbox.until((i) => i.payloads.length === 1000, "what was queued");
      assert.deepEqual(inbox.from(0), numbered(0, 1000));
      await inbox.until((i) => i.gones.some(([a]) => a === 0), "worker 0 gone");
      assert.equal(inboxes.get(0)!.gones.length, 0, "no gone for what it closed itself");
    },
  ],
  [
    "delivers what a peer sent in the tick another endpoint began to close gracefully",
    async (network) => {
      const { endpoints, inboxes } = await openAll(network, [MANAGER, 0, 1]);
      const [zero, one] = [endpoints.get(0)!, endpoints.get(1)!];
      zero.send(1, "0:first");
      await inboxes.get(1)!.until((i) => i.payloads.length === 1, "the way to be open");
      one.close();
      const counted: string[] = [];
      for (let i = 0; i < 1000; i++) if (zero.send(1, `0:${i}`) > 0) counted.push(`0:${i}`);
      await waitFor(one.closed, "the close");
      assert.ok(counted.length > 0, "sent before worker 0 saw the close");
      assert.deepEqual(
        inboxes.get(1)!.from(0),
        ["0:first", ...counted],
        "each one counted arrived",
      );
      await inboxes.get(0)!.until((i) => i.gones.some(([a]) => a === 1), "worker 1 gone");
    },
  ],
  [
    "a receiver that throws closes only that connection, and the error is reported",
    async (network) => {
      const { endpoints, inboxes } = await openAll(network, [MANAGER, 0, 1, 2]);
      const one = inboxes.get(1)!;
      one.failOn = "poison";
      endpoints.get(0)!.send(1, "before");
      endpoints.get(0)!.send(1, "poison");
      endpoints.get(0)!.send(1, "lost with the connection");
      endpoints.get(2)!.send(1, "2:0");
      await inboxes.get(0)!.until((i) => i.gones.some(([a]) => a === 1), "worker 1 gone");
      assert.match(String(network.reports.get(1)), /receiver failed on "poison"/);
      endpoints.get(2)!.send(1, "2:1");
      await one.until((i) => i.from(2).length === 2, "worker 2's traffic");
      assert.deepEqual(one.from(2), ["2:0", "2:1"]);
      assert.deepEqual(one.from(0), ["before"]);
      // A later send finds a new way to it.
      one.failOn = undefined;
      assert.ok(endpoints.get(0)!.send(1, "again") > 0);
      await one.until((i) => i.from(0).length === 2, "the send after");
    },
  ],
  [
    "refuses sends to an address nobody has",
    async (network) => {
      const { endpoints } = await openAll(network, [MANAGER, 0]);
      assert.equal(endpoints.get(0)!.send(99, "x"), UNREACHABLE);
      assert.equal(endpoints.get(0)!.send("nobody", "x"), UNREACHABLE);
      assert.equal(endpoints.get(0)!.send(2, "x"), UNREACHABLE, "in the layout, not open");
    },
  ],
];
