/**
 * A child that reads slowly while other hosts send to it: the other host
 * counts a message confirmed once it is queued here, so its window does not
 * hold back. Past the cluster's `maxQueuedBytes`, what is new for the child
 * is refused to its sender (a request answered as never delivered), as a
 * send on one host throws `QueueFullError`; what answers the child's own
 * work still goes.
 */

import assert from "node:assert/strict";
import { MANAGER } from "../src/address.ts";
import { QueueFullError } from "../src/errors.ts";
import { encodeFrame } from "../src/unix/frame.ts";
import { helloPayload, WELCOME_PAYLOAD } from "../src/unix/handshake.ts";
import { Sockets, type UnixConfig } from "../src/unix/sockets.ts";
import { fakeLink, gatewayOfB } from "./fake_link.ts";
import { waitFor } from "./helpers.ts";

const LIMIT = 1024 * 1024;
const TOO_SLOW =
  /^worker 0 reads too slowly: what waits for it is at maxQueuedBytes on its host \(1048576\)$/;

Deno.test("a child that stops reading: what other hosts send it past maxQueuedBytes is refused, answers to it still go", async () => {
  const link = fakeLink();
  const reports: Error[] = [];
  const { unix, endpoint } = await gatewayOfB(link, (error) => reports.push(error), LIMIT);
  endpoint.receive({ deliver() {}, gone() {} });
  // Worker 0: joins, then reads nothing more for now.
  const config = unix.childConfig as UnixConfig;
  const conn = await Deno.connect({ transport: "unix", path: new Sockets(config).path(MANAGER) });
  const hello = helloPayload({ from: 0, token: config.token });
  await conn.write(encodeFrame(new TextEncoder().encode(hello)));
  const welcome = new Uint8Array(4 + WELCOME_PAYLOAD.length);
  let got = 0;
  while (got < welcome.length) {
    got += (await waitFor(conn.read(welcome.subarray(got)), "the welcome"))!;
  }
  const note = JSON.stringify({ action: "note", data: "x".repeat(64 * 1024) });
  const notes = () => {
    for (let i = 0; i < 64; i++) link.from(note);
  };

  notes();
  assert.ok(endpoint.queued(0) <= LIMIT, `${endpoint.queued(0)} bytes wait for it`);
  const refused = link.bounced.length;
  assert.ok(refused > 32, `${refused} of 64 refused`);
  for (const [i, bounce] of link.bounced.entries()) {
    const [head, reason] = bounce.split(/: (.*)/s);
    assert.equal(head, '5 → 0 "note"');
    assert.match(reason, TOO_SLOW);
    // Its sender hears of this one alone: nothing else it has open with worker 0 broke.
    assert.equal(link.bounceDetails[i].away, true);
  }
  assert.equal(reports.length, 1, "said once");
  assert.ok(reports[0] instanceof QueueFullError);
  assert.match(
    reports[0].message,
    /^worker 0 reads too slowly: \d+ bytes wait for it, and maxQueuedBytes on its host is 1048576; what other hosts send it is refused until it reads$/,
  );

  // A request: answered for it as never delivered, so that to ANY it goes to another worker.
  const data = { n: 1, more: "x".repeat(64 * 1024) };
  link.from(JSON.stringify({ action: "workRequest", messageId: "m1", data }));
  const answer = JSON.parse(link.sent.at(-1)!.payload);
  assert.deepEqual({ ...answer, error: { ...answer.error, message: "" } }, {
    action: "workResponse",
    messageId: "m1",
    re: true,
    error: { name: "UnreachableError", message: "", undelivered: true },
    data,
  });
  assert.match(answer.error.message, TOO_SLOW);

  // An answer to the child's own request still goes: refused, it would fail the child's work.
  const before = endpoint.queued(0);
  link.from(JSON.stringify({ action: "askResponse", messageId: "c1", re: true, data: note }));
  assert.equal(link.bounced.length, refused, "not refused");
  assert.ok(endpoint.queued(0) > before, "queued for it");

  // It reads again: once its queue is empty, what comes is relayed, and a new backlog is said anew.
  const reading = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    while (await conn.read(buffer) !== null);
  })();
  await waitFor(endpoint.drained(0, 0), "worker 0 to read what waits for it");
  link.from(note);
  assert.equal(link.bounced.length, refused, "relayed");
  conn.close();
  await reading.catch(() => {});
  endpoint.close();
  await endpoint.closed;
  await unix.close();
});
