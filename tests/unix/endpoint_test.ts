/**
 * What only the Unix transport does: dialing on first use, two links when
 * two children dial each other at once, admission at the socket, and giving
 * up on a peer that stops reading.
 */

import assert from "node:assert/strict";
import { type Address, MANAGER } from "../../src/address.ts";
import { FrameError } from "../../src/errors.ts";
import type { Endpoint } from "../../src/transport.ts";
import { UnixEndpoint } from "../../src/unix/endpoint.ts";
import { encodeFrame } from "../../src/unix/frame.ts";
import { helloPayload, WELCOME_PAYLOAD } from "../../src/unix/handshake.ts";
import { UnixHost } from "../../src/unix/host.ts";
import { Sockets, type UnixConfig } from "../../src/unix/sockets.ts";
import { waitFor } from "../helpers.ts";
import { Inbox } from "../transport_conformance.ts";

const utf8 = new TextEncoder();

/** A host for workers 0-2, the manager's endpoint open, and a way to open the workers'. */
async function host() {
  const unix = await UnixHost.create({ workers: [0, 1, 2], services: [] });
  const config = unix.childConfig as UnixConfig;
  const reports = new Map<Address, Error[]>();
  const endpoints: Endpoint[] = [];
  const inboxes = new Map<Address, Inbox>();
  /** Opens `self`'s endpoint; what it reports is kept, and told to `onReport`. */
  const open = async (self: Address, onReport?: (error: Error) => void) => {
    const reported: Error[] = [];
    reports.set(self, reported);
    const endpoint = await UnixEndpoint.open(config, self, {
      maxPayload: 1 << 24,
      report: (error) => (reported.push(error), onReport?.(error)),
    });
    const inbox = new Inbox();
    endpoint.receive(inbox);
    inboxes.set(self, inbox);
    endpoints.push(endpoint);
    return endpoint;
  };
  const manager = await open(MANAGER);
  return {
    config,
    sockets: new Sockets(config),
    manager,
    open,
    reports,
    inboxes,
    async close() {
      for (const endpoint of endpoints) endpoint.close();
      await Promise.all(endpoints.map((endpoint) => endpoint.closed));
      await unix.close();
    },
  };
}

Deno.test("a child dials another child on first send, once, and only one that listens", async () => {
  const cluster = await host();
  const zero = await cluster.open(0);
  assert.equal(zero.send(1, "not yet"), -3, "worker 1 has no socket file yet");
  const one = await cluster.open(1);
  assert.deepEqual(zero.connected(), [MANAGER]);
  assert.ok(zero.send(1, "a") > 0);
  assert.ok(zero.send(1, "b") > 0);
  assert.deepEqual(zero.connected(), [MANAGER, 1], "one link, dialed at the first send");
  await cluster.inboxes.get(1)!.until((i) => i.from(0).length === 2, "both");
  assert.deepEqual(cluster.inboxes.get(1)!.from(0), ["a", "b"]);
  assert.equal(one.connectionsTo(0).length, 1);
  assert.equal(cluster.manager.send(0, "x") > 0, true, "the manager answers on the child's link");
  assert.equal(cluster.manager.send(2, "x"), -3, "the manager never dials");
  await cluster.close();
});

Deno.test("two children that dial each other at once keep both links; the spare takes over", async () => {
  const cluster = await host();
  const [zero, one] = [await cluster.open(0), await cluster.open(1)];
  // Both dial in the same tick, before either connection is accepted.
  zero.send(1, "from 0");
  one.send(0, "from 1");
  await cluster.inboxes.get(1)!.until((i) => i.from(0).length === 1, "0's message");
  await cluster.inboxes.get(0)!.until((i) => i.from(1).length === 1, "1's message");
  assert.equal(zero.connectionsTo(1).length, 2);
  assert.deepEqual(
    zero.connections().filter((c) => c.peer === 1).map((c) => c.messagesOut),
    [1, 0],
    "sent on the link it dialed; the spare is listed after it",
  );
  // The link zero sends on closes: the spare carries on, and gone says
  // that what was in flight may be lost.
  const [first] = zero.connectionsTo(1);
  first.close();
  await cluster.inboxes.get(0)!.until((i) => i.gones.some(([a]) => a === 1), "gone");
  // Worker 1 is there still, on the spare: what it asked of worker 0 is still answered.
  assert.deepEqual(cluster.inboxes.get(0)!.gones.map(([a, , last]) => [a, last]), [[1, {
    there: true,
  }]]);
  assert.equal(zero.connectionsTo(1).length, 1);
  assert.ok(zero.send(1, "on the spare") > 0);
  await cluster.inboxes.get(1)!.until((i) => i.from(0).length === 2, "the next message");
  await cluster.close();
});

/** Dials `path` by hand, says `hello`, and returns what comes back before the close. */
async function knock(path: string, hello: string): Promise<string[]> {
  const conn = await Deno.connect({ transport: "unix", path });
  await conn.write(encodeFrame(utf8.encode(hello)));
  const chunks: number[] = [];
  const buffer = new Uint8Array(4096);
  while (true) {
    const count = await conn.read(buffer).catch(() => null);
    if (count === null) break;
    chunks.push(...buffer.subarray(0, count));
    // A welcome: this side hangs up.
    if (chunks.length >= 4 + WELCOME_PAYLOAD.length) break;
  }
  conn.close();
  return chunks.length > 4 ? [new TextDecoder().decode(new Uint8Array(chunks.slice(4)))] : [];
}

Deno.test("the gate admits by token and address, as each process's rules say", async () => {
  const cluster = await host();
  const { config, sockets } = cluster;
  await cluster.open(0);
  const manager = sockets.path(MANAGER);
  const zero = sockets.path(0);
  const hello = (from: Address, token = config.token) => helloPayload({ from, token });
  assert.deepEqual(await knock(manager, hello(1, "guess")), []);
  assert.deepEqual(await knock(manager, hello(7)), []);
  assert.deepEqual(await knock(manager, hello(0)), [], "worker 0 is connected already");
  assert.deepEqual(await knock(zero, hello(MANAGER)), [], "the manager never dials a child");
  assert.deepEqual(await knock(zero, hello(0)), [], "nor does a process dial itself");
  assert.deepEqual(await knock(zero, hello(2)), [WELCOME_PAYLOAD]);
  const refusals = cluster.reports.get(MANAGER)!.map((error) => error.message);
  assert.deepEqual(refusals, [
    "Refused a connection to the manager that said it was worker 1: its token is wrong",
    "Refused a connection to the manager that said it was worker 7: worker 7 is not in this cluster",
    "Refused a connection to the manager that said it was worker 0: worker 0 is connected already",
  ]);
  assert.deepEqual(
    cluster.reports.get(MANAGER)!.map((error) => (error as FrameError).peer),
    [1, 7, 0],
    "the address it said it was, to branch on",
  );
  assert.deepEqual(cluster.reports.get(0)!.map((error) => error.message), [
    "Refused a connection to worker 0 that said it was the manager: the manager never dials children",
    "Refused a connection to worker 0 that said it was worker 0: worker 0 is this process",
  ]);
  assert.ok(cluster.reports.get(0)!.every((error) => error instanceof FrameError));
  await cluster.close();
});

Deno.test("closing gives up on a peer that stopped reading, instead of waiting forever", async () => {
  const cluster = await host();
  const zero = await cluster.open(0);
  // Worker 1 is a socket that welcomes whoever dials it, then never reads.
  const listener = Deno.listen({ transport: "unix", path: cluster.sockets.path(1) });
  const stuck = listener.accept().then(async (conn) => {
    await conn.write(encodeFrame(utf8.encode(WELCOME_PAYLOAD)));
    return conn;
  });
  // Far more than the socket's buffers hold: most stays queued.
  const chunk = "x".repeat(512 * 1024);
  for (let i = 0; i < 32; i++) assert.ok(zero.send(1, chunk) > 0);
  await stuck;
  assert.ok(zero.queued(1) > 8 * 1024 * 1024, "queued, waiting for a reader");
  zero.close();
  const reason = await waitFor(zero.closed, "close() to give up");
  assert.equal(reason, undefined);
  assert.match(
    String(cluster.reports.get(0)),
    /Closed the connection to worker 1 with \d+ bytes unsent: it stopped reading/,
  );
  (await stuck).close();
  listener.close();
  await cluster.close();
});

Deno.test("a refused connection is closed at once: a dialer that never hangs up holds nothing open", async () => {
  const cluster = await host();
  const conn = await Deno.connect({ transport: "unix", path: cluster.sockets.path(MANAGER) });
  await conn.write(encodeFrame(utf8.encode('{"action":"nothello"}')));
  assert.equal(await conn.read(new Uint8Array(16)).catch(() => null), null, "nothing but the end");
  // Closed, not half-closed: nobody reads what it sends now.
  await assert.rejects(async () => {
    for (let i = 0; i < 10; i++) await conn.write(encodeFrame(utf8.encode('{"action":"more"}')));
  });
  assert.match(String(cluster.reports.get(MANAGER)), /Refused a connection to the manager/);
  await waitFor(cluster.close(), "close() while the refused dialer keeps its end");
  conn.close();
});

Deno.test("closing gives up on an admitted peer that never closes its end", async () => {
  const cluster = await host();
  const conn = await Deno.connect({ transport: "unix", path: cluster.sockets.path(MANAGER) });
  await conn.write(
    encodeFrame(utf8.encode(helloPayload({ from: 1, token: cluster.config.token }))),
  );
  await waitFor(
    new Promise<void>((resolve) => cluster.manager.admitted((from) => from === 1 && resolve())),
    "worker 1 to be admitted",
  );
  // It reads nothing and never hangs up: closing waits for it, but not forever.
  await waitFor(cluster.close(), "close() to give up on worker 1");
  assert.deepEqual(cluster.reports.get(MANAGER), [], "nothing was unsent: nothing to report");
  conn.close();
});

Deno.test("a bad message relayed from another host is reported, and the child's connection to its manager carries on", async () => {
  const unix = await UnixHost.create({
    workers: [0, 1],
    services: [],
    gateway: { maxPayload: 1 << 16, limit: "test" },
  });
  const config = unix.childConfig as UnixConfig;
  const reports: Error[] = [];
  const options = { maxPayload: 1 << 20, report: (error: Error) => reports.push(error) };
  const manager = await UnixEndpoint.open(config, MANAGER, options);
  manager.receive(new Inbox());
  manager.relayTo(() => {});
  const joined = new Promise<void>((resolve) => manager.admitted(() => resolve()));
  const zero = await UnixEndpoint.open(config, 0, options);
  const inbox = new Inbox();
  inbox.failOn = "bad"; // as the router does: a frame it cannot decode throws
  zero.receive(inbox);
  await waitFor(joined, "worker 0 to join");
  // Worker 7 runs on another host: what it sends comes relayed by the manager.
  assert.ok(manager.deliverFrom(0, 7, utf8.encode("good 1")) > 0);
  assert.ok(manager.deliverFrom(0, 7, utf8.encode("bad")) > 0);
  assert.ok(manager.deliverFrom(0, 7, utf8.encode("good 2")) > 0);
  assert.ok(manager.send(0, "from the manager") > 0);
  await inbox.until((got) => got.payloads.length === 3, "the rest to arrive");
  assert.deepEqual(inbox.payloads, [[7, "good 1"], [7, "good 2"], [MANAGER, "from the manager"]]);
  assert.match(String(reports), /receiver failed on "bad"/);
  assert.ok(zero.connected().includes(MANAGER));
  zero.close();
  manager.close();
  await Promise.all([zero.closed, manager.closed]);
  await unix.close();
});

Deno.test("a dial the far end closes before welcoming gives back what it carried, unwritten", async () => {
  const cluster = await host();
  const zero = await cluster.open(0);
  // At worker 1's socket: something that accepts and hangs up unwelcoming
  // (a process closing as it is dialed).
  const listener = Deno.listen({ transport: "unix", path: cluster.sockets.path(1) });
  const hangUp = (async () => (await listener.accept()).close())();
  assert.ok(zero.send(1, "a") > 0);
  assert.ok(zero.send(1, "b") > 0);
  await hangUp;
  const inbox = cluster.inboxes.get(0)!;
  await inbox.until((i) => i.gones.length === 1, "worker 1 gone");
  const [[peer, , last]] = inbox.gones;
  assert.equal(peer, 1);
  assert.equal(last?.undelivered, Infinity);
  const text = (payload: Uint8Array) => new TextDecoder().decode(payload);
  assert.deepEqual(last?.unsent?.map(text), ["a", "b"], "to send again where it goes now");
  assert.deepEqual(cluster.reports.get(0), [], "the receiver decides whether they are lost");
  listener.close();
  await cluster.close();
});

Deno.test("a dial closed unwelcomed as the peer's next process linked here gives back what it carried", async () => {
  const cluster = await host();
  const zero = await cluster.open(0);
  // At worker 1's socket: its old process, which accepts, and closes
  // unwelcoming once its next process has dialed worker 0.
  const listener = Deno.listen({ transport: "unix", path: cluster.sockets.path(1) });
  const accepted = listener.accept();
  assert.ok(zero.send(1, "a") > 0);
  assert.ok(zero.send(1, "b") > 0);
  const old = await accepted;
  const next = await Deno.connect({ transport: "unix", path: cluster.sockets.path(0) });
  await next.write(
    encodeFrame(utf8.encode(helloPayload({ from: 1, token: cluster.config.token }))),
  );
  const welcome = new Uint8Array(4 + WELCOME_PAYLOAD.length);
  for (let at = 0; at < welcome.length;) {
    const count = await waitFor(next.read(welcome.subarray(at)), "the welcome");
    assert.ok(count !== null, "welcomed");
    at += count;
  }
  assert.equal(zero.connectionsTo(1).length, 2, "the link dialed, and the next process's spare");
  old.close();
  const inbox = cluster.inboxes.get(0)!;
  await inbox.until((i) => i.gones.length === 1, "the dialed link gone");
  const [[peer, , last]] = inbox.gones;
  assert.equal(peer, 1);
  const text = (payload: Uint8Array) => new TextDecoder().decode(payload);
  assert.deepEqual(last?.unsent?.map(text), ["a", "b"], "to send again where it goes now");
  assert.deepEqual(cluster.reports.get(0), [], "not lost: worker 1 is there");
  next.close();
  listener.close();
  await cluster.close();
});
