/**
 * natsBroker()'s NATS connection: what `connection` gives reaches the NATS
 * client as it is, its `name` included, as `NatsConnectionOptions` says.
 * A fake server reads the client's CONNECT, then closes: no NATS needed.
 */

import assert from "node:assert/strict";
import { natsBroker, type NatsConnectionOptions } from "../../nats.ts";

/**
 * The options the NATS client sends a server (its CONNECT) as `connection`
 * is given to a broker joining through a fake server, which then closes.
 */
async function sentOnConnect(connection?: NatsConnectionOptions): Promise<Record<string, unknown>> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const serving = (async () => {
    using conn = await listener.accept();
    const info = { server_id: "fake", version: "2.10.0", proto: 1, max_payload: 1_048_576 };
    await conn.write(new TextEncoder().encode(`INFO ${JSON.stringify(info)}\r\n`));
    let text = "";
    const buffer = new Uint8Array(4096);
    while (!text.includes("\r\n")) {
      const read = await conn.read(buffer);
      if (read === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, read));
    }
    return JSON.parse(text.slice("CONNECT ".length, text.indexOf("\r\n")));
  })();
  const broker = natsBroker({
    servers: `127.0.0.1:${port}`,
    cluster: "shop",
    host: "web-1",
    // Not for ever: the fake server answers no CONNECT.
    connection: { timeout: 500, ...connection },
  });
  const joining = broker.join({
    workers: 0,
    services: [],
    maxQueuedBytes: 64 * 1024 * 1024,
    report() {},
  });
  const sent = await serving;
  // The fake server closed before it answered: no cluster to join.
  await assert.rejects(joining);
  return sent;
}

Deno.test("natsBroker() names its NATS connection after the cluster and host", async () => {
  assert.equal((await sentOnConnect()).name, "switchboard shop/web-1");
});

Deno.test("natsBroker() passes connection.name to the NATS client, as any other option", async () => {
  // Before, the broker's own name replaced it, unsaid.
  assert.equal((await sentOnConnect({ name: "shop manager" })).name, "shop manager");
});
