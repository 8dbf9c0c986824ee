/**
 * What other hosts send a child that reads slowly is bounded, as a local
 * sender's queue is: past the cluster's `maxQueuedBytes` queued for it,
 * the manager refuses the rest to their senders instead of holding them.
 * (The other host counts a message confirmed once it is queued here, so
 * its window would not hold back.)
 */

import assert from "node:assert/strict";
import { MANAGER } from "../src/address.ts";
import { encodeFrame } from "../src/unix/frame.ts";
import { helloPayload, WELCOME_PAYLOAD } from "../src/unix/handshake.ts";
import { Sockets, type UnixConfig } from "../src/unix/sockets.ts";
import { fakeLink, gatewayOfB } from "./fake_link.ts";
import { waitFor } from "./helpers.ts";

const LIMIT = 1024 * 1024;

Deno.test("a child that stops reading: what other hosts send it past maxQueuedBytes is refused to them", async () => {
  const link = fakeLink();
  const reports: Error[] = [];
  const { unix, endpoint } = await gatewayOfB(link, (error) => reports.push(error), LIMIT);
  endpoint.receive({ deliver() {}, gone() {} });
  // Worker 0: joins, then reads nothing more.
  const config = unix.childConfig as UnixConfig;
  const conn = await Deno.connect({ transport: "unix", path: new Sockets(config).path(MANAGER) });
  await conn.write(
    encodeFrame(new TextEncoder().encode(helloPayload({ from: 0, token: config.token }))),
  );
  const welcome = new Uint8Array(4 + WELCOME_PAYLOAD.length);
  let got = 0;
  while (got < welcome.length) {
    got += (await waitFor(conn.read(welcome.subarray(got)), "the welcome"))!;
  }
  const note = JSON.stringify({ action: "note", data: "x".repeat(64 * 1024) });
  for (let i = 0; i < 64; i++) link.from(note);
  assert.ok(link.bounced.length > 0, "4 MiB for a child that reads nothing: some refused");
  assert.match(
    link.bounced[0],
    /^5 → 0 "note": worker 0 reads too slowly: over 1048576 bytes \(maxQueuedBytes on its host\) wait for it$/,
  );
  assert.ok(endpoint.queued(0) <= LIMIT, `${endpoint.queued(0)} bytes queued for it at most`);
  conn.close();
  endpoint.close();
  await endpoint.closed;
  await unix.close();
});
