/**
 * A child that reads slowly while other hosts send to it: the other host
 * counts a message confirmed once it is queued here, so its window does not
 * hold back, and what waits for the child grows. It is not refused (a
 * refusal would fail everything open with the child), but it is said, once,
 * past the cluster's `maxQueuedBytes`.
 */

import assert from "node:assert/strict";
import { MANAGER } from "../src/address.ts";
import { encodeFrame } from "../src/unix/frame.ts";
import { helloPayload, WELCOME_PAYLOAD } from "../src/unix/handshake.ts";
import { Sockets, type UnixConfig } from "../src/unix/sockets.ts";
import { fakeLink, gatewayOfB } from "./fake_link.ts";
import { waitFor } from "./helpers.ts";

const LIMIT = 1024 * 1024;

Deno.test("a child that stops reading while other hosts send to it is reported once, past maxQueuedBytes; nothing is refused", async () => {
  const link = fakeLink();
  const reports: Error[] = [];
  const { unix, endpoint } = await gatewayOfB(link, (error) => reports.push(error), LIMIT);
  endpoint.receive({ deliver() {}, gone() {} });
  // Worker 0: joins, then reads nothing more.
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
  for (let i = 0; i < 64; i++) link.from(note);
  assert.deepEqual(link.bounced, [], "nothing refused");
  assert.ok(endpoint.queued(0) > LIMIT, `${endpoint.queued(0)} bytes wait for it`);
  assert.equal(reports.length, 1, "said once");
  assert.match(
    reports[0].message,
    /^worker 0 reads too slowly: \d+ bytes wait for it, over maxQueuedBytes \(1048576\), and other hosts' windows do not hold back what they send it$/,
  );
  conn.close();
  endpoint.close();
  await endpoint.closed;
  await unix.close();
});
