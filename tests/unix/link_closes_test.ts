/**
 * `LinkCloses` (src/unix/link_closes.ts) in one process: what each link's
 * close leaves behind, with links whose connection is a fake that gives
 * back what waited unsent. Over real sockets: endpoint_test.ts.
 */

import assert from "node:assert/strict";
import { type Address, MANAGER } from "../../src/address.ts";
import { FrameError, UnreachableError } from "../../src/errors.ts";
import type { LastSent } from "../../src/transport.ts";
import { Link } from "../../src/unix/link.ts";
import { LinkCloses } from "../../src/unix/link_closes.ts";
import { LinkTable } from "../../src/unix/link_table.ts";
import type { SocketConnection } from "../../src/unix/socket_connection.ts";

const utf8 = new TextEncoder();

/** A link to `address` whose connection gives back `unsent` as it closes. */
function linkTo(address: Address | undefined, unsent: Uint8Array[] = []): Link {
  return new Link({ takeUnsent: () => unsent } as unknown as SocketConnection, address);
}

/** The closes of worker 0's endpoint, and all they tell, as [whom, ...what]. */
function closesOf(state: "open" | "closing" | "closed" = "open") {
  const told: unknown[][] = [];
  const links = new LinkTable();
  const closes = new LinkCloses({
    self: 0,
    links,
    gate: { refuse: (link, reason) => void told.push(["refused", link.name, reason]) },
    state: () => state,
    left: (child, reason) => void told.push(["left", child, reason?.message]),
    gone: (peer: Address, reason: Error | undefined, last?: LastSent) =>
      void told.push(["gone", peer, reason?.message, last]),
    report: (error) => void told.push(["report", error.constructor.name, error.message]),
  });
  return { closes, links, told };
}

Deno.test("LinkCloses tells the peer of a link sent on gone, and left, once it closes", () => {
  const { closes, links, told } = closesOf();
  const link = linkTo(1);
  links.admit(link);
  closes.onClosed(link, undefined);
  assert.deepEqual(told, [["left", 1, undefined], ["gone", 1, undefined, {}]]);
  assert.equal(links.has(1), false);
});

Deno.test("LinkCloses says a peer is still there when its spare closes, or when the spare takes over", () => {
  const { closes, links, told } = closesOf();
  const [first, spare] = [linkTo(1), linkTo(1)];
  links.admit(first);
  links.admit(spare);
  closes.onClosed(spare, undefined);
  const third = linkTo(1);
  links.admit(third);
  closes.onClosed(first, new Error("reset"));
  assert.deepEqual(told, [
    ["gone", 1, undefined, { there: true }],
    ["left", 1, "reset"],
    ["gone", 1, "reset", { there: true }],
  ]);
  assert.equal(links.get(1), third);
});

Deno.test("LinkCloses refuses a stranger closed by a bad frame like a bad hello, and reports a named peer's", () => {
  const { closes, links, told } = closesOf();
  const stranger = linkTo(undefined);
  links.greeted(stranger);
  closes.onClosed(stranger, new FrameError("a frame over the handshake limit"));
  closes.onClosed(linkTo(undefined), undefined);
  const named = linkTo(2);
  links.admit(named);
  closes.onClosed(named, new FrameError("a frame over the limit"));
  assert.deepEqual(told.slice(0, 2), [
    ["refused", "an unidentified peer", "a frame over the handshake limit"],
    ["report", "FrameError", "Bad frame from worker 2: a frame over the limit"],
  ]);
  assert.equal(links.all().length, 0);
});

Deno.test("LinkCloses gives back what a link never welcomed carried, and rejects its welcome", async () => {
  const { closes, links, told } = closesOf();
  const unsent = [utf8.encode("a"), utf8.encode("b")];
  const link = linkTo(1, unsent);
  const welcome = Promise.withResolvers<void>();
  link.welcome = welcome;
  links.dialed(1, link);
  closes.onClosed(link, new Error("refused"));
  await assert.rejects(welcome.promise, UnreachableError);
  assert.equal(link.welcome, undefined);
  assert.deepEqual(told, [
    ["left", 1, "refused"],
    ["gone", 1, "refused", { undelivered: Infinity, unsent }],
  ]);
});

Deno.test("LinkCloses reports what a link never welcomed carried as lost when nobody sends it again", async () => {
  const { closes, links, told } = closesOf("closing");
  const link = linkTo(1, [utf8.encode("a")]);
  const welcome = Promise.withResolvers<void>();
  link.welcome = welcome;
  links.dialed(1, link);
  closes.onClosed(link, new Error("refused"));
  await assert.rejects(welcome.promise, UnreachableError);
  assert.deepEqual(told[0], [
    "report",
    "UnreachableError",
    "worker 0 could not connect to worker 1: the message sent to it was not delivered",
  ]);
  assert.equal(told.some(([what]) => what === "left"), false, "not while the endpoint closes");
});

Deno.test("LinkCloses gives back nothing of the manager's link never welcomed: its failure fails open()", async () => {
  const { closes, links, told } = closesOf();
  const link = linkTo(MANAGER, [utf8.encode("a")]);
  const welcome = Promise.withResolvers<void>();
  link.welcome = welcome;
  links.dialed(MANAGER, link);
  closes.onClosed(link, new Error("refused"));
  await assert.rejects(
    welcome.promise,
    /the manager closed the connection before welcoming worker 0/,
  );
  assert.deepEqual(told.at(-1), ["gone", MANAGER, "refused", {
    undelivered: Infinity,
    unsent: [],
  }]);
});
