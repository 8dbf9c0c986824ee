/**
 * `RelayToChildren` (src/relay_to_children.ts) in one process: what a
 * gateway does with what other hosts send this host's children. Its
 * endpoint and link are fakes that write down what they are given. Across
 * real sockets: gateway_refusals_test.ts, gateway_slow_child_test.ts,
 * held_until_joined_test.ts, exiting_child_test.ts, gateway_bye_test.ts.
 */

import assert from "node:assert/strict";
import { type Address, MANAGER, managerOf } from "../src/address.ts";
import type { BounceDetails } from "../src/broker.ts";
import { QueueFullError } from "../src/errors.ts";
import { HeldAnswers } from "../src/held_answers.ts";
import { RefusedStreams } from "../src/refused_streams.ts";
import { RelayToChildren } from "../src/relay_to_children.ts";
import type { RemoteOutcomes } from "../src/remote_outcomes.ts";
import { TOO_LARGE, UNREACHABLE } from "../src/transport.ts";

const GLOBAL = managerOf("b");
const LIMIT = 10_000;
const FROM_A = 5;
const utf8 = new TextEncoder();
const text = new TextDecoder();

/** A payload of a message `action` (a request with `messageId`, an answer with `re`). */
function message(action: string, more: Record<string, unknown> = {}): Uint8Array {
  return utf8.encode(JSON.stringify({ action, data: "d", ...more }));
}

/**
 * The relay of host "b", whose children are workers 0 and 1, from host
 * "a" (worker 5); all it does is written down in `told`.
 */
function relayOf() {
  const told: string[] = [];
  const reports: Error[] = [];
  /** What `deliverFrom` answers for each child: the size, or a code; undefined: accepted. */
  const refusing = new Map<Address, number>();
  const queued = new Map<Address, number>();
  const local = {
    deliverFrom: (to: Address, from: Address, payload: Uint8Array) => {
      const code = refusing.get(to);
      if (code !== undefined) return code;
      told.push(`${String(from)} → ${String(to)}: ${text.decode(payload)}`);
      return payload.length;
    },
    queued: (to: Address) => queued.get(to) ?? 0,
    maxPayload: () => 1_000,
  };
  const link = {
    maxPayload: 1_000,
    send: (from: Address, to: Address, payload: Uint8Array | string) => {
      told.push(`sent ${String(from)} → ${String(to)}: ${
        String(
          JSON.parse(String(
            typeof payload === "string" ? payload : text.decode(payload),
          )).error?.message,
        )
      }`);
      return payload.length;
    },
    bounce: (from: Address, to: Address, reason: string, details?: BounceDetails) =>
      void told.push(
        `bounced ${String(from)} → ${String(to)}: ${reason} ${JSON.stringify(details)}`,
      ),
    ended: (address: Address, reason?: string) =>
      void told.push(`ended ${String(address)}: ${reason}`),
  };
  const outcomes = {
    childChanged: (child: Address) => void told.push(`changed ${String(child)}`),
    answeredAs: (child: Address, to: Address) =>
      void told.push(`answered as ${String(child)} → ${String(to)}`),
  } as unknown as RemoteOutcomes;
  const heldAnswers = new HeldAnswers(
    {
      send: () => assert.fail("nothing is held"),
      refuse: () => assert.fail("nothing is held"),
      answeredAs: () => {},
      dropped: () => false,
      drained: () => Promise.resolve(),
      report: (error) => assert.fail(error),
    },
    Infinity,
    LIMIT,
  );
  let answer: string | undefined;
  const receiver = {
    deliver: (from: Address, payloads: Uint8Array[]) =>
      void told.push(`manager has ${String(from)}: ${text.decode(payloads[0])}`),
    gone() {},
    answerFor: () => answer,
  };
  const relay = new RelayToChildren({
    local,
    link,
    global: GLOBAL,
    children: [0, 1],
    queueLimit: LIMIT,
    heldAnswers,
    outcomes,
    refusedStreams: new RefusedStreams(),
    remoteHost: (to) => to === FROM_A ? "a" : undefined,
    receiver: () => receiver,
    report: (error) => void reports.push(error),
  });
  const answerWith = (payload: string | undefined) => answer = payload;
  return { relay, told, reports, refusing, queued, answerWith };
}

Deno.test("RelayToChildren hands what is for the manager to its receiver, under either address", () => {
  const { relay, told } = relayOf();
  relay.deliver(FROM_A, GLOBAL, message("note"));
  relay.deliver(FROM_A, MANAGER, message("note"));
  assert.deepEqual(told, [
    `manager has 5: {"action":"note","data":"d"}`,
    `manager has 5: {"action":"note","data":"d"}`,
  ]);
});

Deno.test("RelayToChildren holds what comes for a child until it joins, then relays it in order", () => {
  const { relay, told } = relayOf();
  relay.deliver(FROM_A, 0, message("first"));
  relay.deliver(FROM_A, 0, message("second"));
  assert.deepEqual(told, []);
  relay.joined(0);
  relay.deliver(FROM_A, 0, message("third"));
  assert.deepEqual(told, [
    "changed 0",
    `5 → 0: {"action":"first","data":"d"}`,
    `5 → 0: {"action":"second","data":"d"}`,
    `5 → 0: {"action":"third","data":"d"}`,
  ]);
});

Deno.test("RelayToChildren refuses what a child never said it took once it crashes, and tells the others it ended", () => {
  const { relay, told } = relayOf();
  relay.joined(0);
  relay.deliver(FROM_A, 0, message("a"));
  relay.deliver(FROM_A, 0, message("b"));
  relay.deliver(FROM_A, 0, message("c"));
  relay.taken(0, 1);
  told.length = 0;
  relay.left(0, new Error("killed"));
  assert.deepEqual(told, [
    "changed 0",
    'bounced 5 → 0: worker 0 ended before it said it had read them {"count":2,"ended":true}',
    "ended 0: worker 0 ended without closing gracefully (killed)",
  ]);
});

Deno.test("RelayToChildren refuses nothing of a child that closes gracefully, having said it takes the rest", () => {
  const { relay, told } = relayOf();
  relay.joined(1);
  relay.deliver(FROM_A, 1, message("a"));
  relay.taken(1, "rest");
  told.length = 0;
  relay.left(1, undefined);
  assert.deepEqual(told, ["changed 1", "ended 1: undefined"]);
});

Deno.test("RelayToChildren refuses a request for a child not connected as never delivered, and bounces a message", () => {
  const { relay, told, refusing } = relayOf();
  relay.joined(0);
  refusing.set(0, UNREACHABLE);
  told.length = 0;
  relay.deliver(FROM_A, 0, message("workRequest", { messageId: "m1" }));
  relay.deliver(FROM_A, 0, message("note"));
  relay.deliver(FROM_A, 0, message("$cancel", { messageId: "m2", re: true }));
  assert.deepEqual(told, [
    "sent 0 → 5: worker 0 is not connected",
    "answered as 0 → 5",
    'bounced 5 → 0: worker 0 is not connected {"action":"note","away":true}',
  ]);
});

Deno.test("RelayToChildren bounces what is over the child's frame size, not as away", () => {
  const { relay, told, refusing } = relayOf();
  relay.joined(0);
  refusing.set(0, TOO_LARGE);
  told.length = 0;
  const note = message("note");
  relay.deliver(FROM_A, 0, note);
  assert.equal(told.length, 1);
  assert.match(
    told[0],
    new RegExp(
      `^bounced 5 → 0: its ${note.length} bytes are over the \\d+ bytes a message relayed to ` +
        `worker 0 may have \\(maxFrameSize on its host\\) \\{"action":"note"\\}$`,
    ),
  );
});

Deno.test("RelayToChildren refuses what is new for a child that reads too slowly, said once, and still relays answers", () => {
  const { relay, told, reports, queued } = relayOf();
  relay.joined(0);
  queued.set(0, LIMIT);
  told.length = 0;
  relay.deliver(FROM_A, 0, message("note"));
  relay.deliver(FROM_A, 0, message("note"));
  relay.deliver(FROM_A, 0, message("askResponse", { messageId: "c1", re: true }));
  const tooSlow =
    `worker 0 reads too slowly: what waits for it is at maxQueuedBytes on its host (${LIMIT})`;
  assert.deepEqual(told, [
    `bounced 5 → 0: ${tooSlow} {"action":"note","away":true}`,
    `bounced 5 → 0: ${tooSlow} {"action":"note","away":true}`,
    `5 → 0: {"action":"askResponse","data":"d","messageId":"c1","re":true}`,
  ]);
  assert.equal(reports.length, 1);
  assert.ok(reports[0] instanceof QueueFullError);
});

Deno.test("RelayToChildren holds what is new for an exiting child, relays what answers its work, and refuses the rest if it has no return", () => {
  const { relay, told } = relayOf();
  relay.joined(0);
  relay.exiting(0);
  told.length = 0;
  relay.deliver(FROM_A, 0, message("note"));
  relay.deliver(FROM_A, 0, message("askResponse", { messageId: "c1", re: true }));
  assert.deepEqual(told, [`5 → 0: {"action":"askResponse","data":"d","messageId":"c1","re":true}`]);
  relay.noReturn(0);
  assert.deepEqual(told.slice(1), [
    'bounced 5 → 0: worker 0 stopped before it could take it {"action":"note","away":true}',
  ]);
});

Deno.test("RelayToChildren sends the answer the manager gives for a child instead of relaying, and refuses the held as it closes", () => {
  const { relay, told, answerWith } = relayOf();
  answerWith(JSON.stringify({ action: "workResponse", re: true, error: { message: "refused" } }));
  relay.joined(0);
  told.length = 0;
  relay.deliver(FROM_A, 0, message("workRequest", { messageId: "m1" }));
  assert.deepEqual(told, ["sent 0 → 5: refused", "answered as 0 → 5"]);
  answerWith(undefined);
  relay.deliver(FROM_A, 1, message("note"));
  relay.close();
  assert.deepEqual(told.slice(2), [
    'bounced 5 → 1: worker 1 stopped before it could take it {"action":"note","away":true}',
  ]);
});
