/**
 * A Node service's refusals of connections are reported at most 10 per
 * 10 s, as Switchboard's are (README, Hostile input): before, each was
 * reported, so anyone who can reach its socket could flood its onError
 * (and whatever it logs to) at the rate it can connect.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { waitFor, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

/** A frame that is JSON, and no hello. */
function notAHello(): Uint8Array {
  const json = new TextEncoder().encode('{"action":"hi"}');
  const bytes = new Uint8Array(4 + json.length);
  new DataView(bytes.buffer).setUint32(0, json.length);
  bytes.set(json, 4);
  return bytes;
}

/** Opens a connection to `path`, opens it with `frame`, and resolves once the far end closed it. */
async function refused(path: string, frame: Uint8Array): Promise<void> {
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    await conn.write(frame);
    const buffer = new Uint8Array(64);
    while (await conn.read(buffer) !== null);
  } catch {
    // Reset as it was destroyed: closed all the same.
  } finally {
    conn.close();
  }
}

Deno.test("a Node service reports at most 10 refused connections within 10 s", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    processes: { node: { command: ["node", NODE_SERVICE] } },
  });
  for (let i = 0; i < 15; i++) {
    await waitFor(refused(`${cluster.socketDir}/s0.sock`, notAHello()), "the refusal");
  }
  const { ok } = await cluster.request("doRequest", { op: "errors" }, { to: "node" }) as {
    ok: string[];
  };
  const refusal = `Refused a connection to service "node": it opened with "hi", not a valid hello`;
  assert.deepEqual(ok, Array(10).fill(refusal));
});
