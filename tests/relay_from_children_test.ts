/**
 * `RelayFromChildren` (src/relay_from_children.ts) in one process: what a
 * gateway does with what this host's children send other hosts. Its
 * endpoint, link, held answers and outcomes are fakes that write down what
 * they are given. Across real sockets: gateway_refusals_test.ts,
 * refused_answers_test.ts; across hosts: tests/nats/child_window_refusals_test.ts.
 */

import assert from "node:assert/strict";
import { type Address, managerOf } from "../src/address.ts";
import type { HeldAnswers } from "../src/held_answers.ts";
import { RefusedStreams } from "../src/refused_streams.ts";
import { RelayFromChildren } from "../src/relay_from_children.ts";
import type { RemoteOutcomes } from "../src/remote_outcomes.ts";
import { FULL } from "../src/transport.ts";
import { UntakenRelays } from "../src/untaken_relays.ts";

const GLOBAL = managerOf("b");
const ON_A = 5;
const NOWHERE = 9;
const utf8 = new TextEncoder();
const text = new TextDecoder();

/** A payload of a message `action` (a request with `messageId`, an answer with `re`). */
function message(action: string, more: Record<string, unknown> = {}): Uint8Array {
  return utf8.encode(JSON.stringify({ action, ...more }));
}

/**
 * The relay of host "b" (worker 0) to host "a" (worker 5); worker 9 is on
 * no host. All it does is written down in `told`.
 */
function relayOf() {
  const told: string[] = [];
  const state = { reachable: true, sending: 0 };
  const local = {
    deliverFrom: (to: Address, from: Address, payload: Uint8Array) => {
      const answer = JSON.parse(text.decode(payload));
      told.push(`to ${String(to)} as from ${String(from)}: ${answer.error.message}`);
      return payload.length;
    },
    maxPayload: () => 1_000,
    tellReachable: (to: Address, reachable: boolean) => {
      told.push(`${String(to)} told reachable: ${reachable}`);
      return true;
    },
  };
  const link = {
    send: (from: Address, to: Address, payload: Uint8Array | string) => {
      if (state.sending < 0) return state.sending;
      const body = typeof payload === "string" ? payload : text.decode(payload);
      told.push(`sent ${String(from)} → ${String(to)}: ${body}`);
      return payload.length;
    },
  };
  const held = new Set<string>();
  const heldAnswers = {
    behind: (from: Address, to: Address, payload: Uint8Array) => {
      if (!held.has(`${String(from)} → ${String(to)}`)) return false;
      told.push(`held behind ${String(from)} → ${String(to)}: ${text.decode(payload)}`);
      return true;
    },
    hold: (from: Address, to: Address, host: string, payload: Uint8Array) => {
      held.add(`${String(from)} → ${String(to)}`);
      told.push(`held ${String(from)} → ${String(to)} on ${host}: ${text.decode(payload)}`);
    },
  } as unknown as HeldAnswers;
  const outcomes = {
    forwarded: () => {},
    relayRefused: (child: Address, to: Address, action: string | undefined, reason: string) =>
      void told.push(`refused ${String(child)} → ${String(to)} ${String(action)}: ${reason}`),
  } as unknown as RemoteOutcomes;
  const untaken = new UntakenRelays();
  const delivered: string[] = [];
  const relay = new RelayFromChildren({
    local,
    link,
    global: GLOBAL,
    heldAnswers,
    outcomes,
    refusedStreams: new RefusedStreams(),
    reachable: () => state.reachable,
    untakenBy: () => untaken,
    remoteHost: (to) => to === ON_A ? "a" : undefined,
    receiver: () => ({
      deliver: (from: Address, payloads: Uint8Array[]) =>
        void delivered.push(`${String(from)}: ${text.decode(payloads[0])}`),
      gone() {},
    }),
  });
  return { relay, told, state, untaken, delivered };
}

Deno.test("RelayFromChildren sends on the link, and hands what is for this manager's cluster-wide address to its receiver", () => {
  const { relay, told, delivered } = relayOf();
  relay.relay(0, ON_A, message("note"));
  relay.relay(0, GLOBAL, message("hello"));
  assert.deepEqual(told, [`sent 0 → 5: ${text.decode(message("note"))}`]);
  assert.deepEqual(delivered, [`0: ${text.decode(message("hello"))}`]);
});

Deno.test("RelayFromChildren answers a request no host runs as never delivered, to the child, and refuses a message", () => {
  const { relay, told, untaken } = relayOf();
  relay.relay(0, NOWHERE, message("workRequest", { messageId: "m1" }));
  relay.relay(0, NOWHERE, message("note"));
  assert.deepEqual(told, [
    "to 0 as from 9: no host of the cluster runs it",
    "refused 0 → 9 note: no host of the cluster runs it",
  ]);
  assert.deepEqual([...untaken.bySender()], [[GLOBAL, 1]], "its answer is counted as untaken");
});

Deno.test("RelayFromChildren holds an answer the window has no room for, and what follows it, and refuses a message", () => {
  const { relay, told, state } = relayOf();
  state.sending = FULL;
  const answer = message("askResponse", { messageId: "m1", re: true });
  relay.relay(0, ON_A, answer);
  relay.relay(0, ON_A, message("note"));
  relay.relay(1, ON_A, message("note"));
  assert.deepEqual(told, [
    `held 0 → 5 on a: ${text.decode(answer)}`,
    `held behind 0 → 5: ${text.decode(message("note"))}`,
    `refused 1 → 5 note: host "a" cannot take it now`,
  ]);
});

Deno.test("RelayFromChildren tells a child that comes while the others cannot be reached, as it refuses its send", () => {
  const { relay, told, state } = relayOf();
  state.reachable = false;
  state.sending = -3;
  relay.relay(0, ON_A, message("note"));
  assert.deepEqual(told, [
    "0 told reachable: false",
    `refused 0 → 5 note: host "a" cannot take it now`,
  ]);
});

Deno.test("RelayFromChildren lets the rest of a stream one part of which was refused go no further, until its end", () => {
  const { relay, told, state } = relayOf();
  state.sending = -3;
  const part = message("listResponse", { messageId: "s1", re: true, part: true });
  relay.relay(0, ON_A, part);
  assert.equal(told.length, 1, "the refused part is told");
  state.sending = 0;
  assert.equal(relay.streamBroken(0, ON_A, part), true);
  relay.relay(0, ON_A, part);
  relay.relay(0, ON_A, message("listResponse", { messageId: "s1", re: true }));
  assert.equal(told.length, 1, "neither its next part nor its end goes");
  assert.equal(relay.streamBroken(0, ON_A, part), false, "forgotten after its end");
});
