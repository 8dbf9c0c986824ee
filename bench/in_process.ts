/**
 * Switchboard's own CPU cost per message, without the scheduler's noise:
 * two routers joined by a real Unix socket inside one process, against two
 * raw connections the same way, interleaved. One process means no
 * cross-process wake-ups, so what differs is the work each side does.
 * Not part of `deno task bench`; a quick look while optimising, and a
 * steady script for `bench/profile.ts`.
 *
 * `deno run --allow-read=/tmp --allow-write=/tmp --allow-net bench/in_process.ts [roundTrip|throughput] [count] [repetitions]`
 *
 * @module
 */

import { Layout } from "../src/layout.ts";
import { Router } from "../src/router.ts";
import type { Connection } from "../src/transport.ts";
import { SocketConnection, UnixTransport } from "../src/unix_transport.ts";
import { chunkSize, nextTurn } from "./pace.ts";
import { makePayload } from "./payload.ts";
import { RawConnection, type RawMessage } from "./raw_connection.ts";

const [scenario = "roundTrip", countArg = "50000", repetitionsArg = "7"] = Deno.args;
const count = Number(countArg);
const payload = makePayload(100);
const dir = await Deno.makeTempDir({ prefix: "switchboard-bench-in-process-" });
const transport = new UnixTransport(dir);

/** Two ends of one socket in this process: [accepted, dialed]. */
async function socketPair(endpoint: string): Promise<[Connection, Connection]> {
  const listener = await transport.listen(endpoint, 1 << 24, (error) => {
    throw error;
  });
  const accepted = listener[Symbol.asyncIterator]().next();
  const conn = await Deno.connect({ transport: "unix", path: transport.path(endpoint) });
  const dialed = new SocketConnection(conn, 1 << 24);
  const server = (await accepted).value as Connection;
  listener.close();
  return [server, dialed];
}

function router(self: number): Router {
  const router = new Router({
    self,
    layout: new Layout(2, []),
    maxFrameSize: 1 << 24,
    requestTimeout: 30_000,
    highWaterMark: 1 << 20,
    maxQueuedBytes: 1 << 26,
    onControl: () => {},
  });
  router.ready();
  return router;
}

// Switchboard: router 0 asks and floods router 1.
const [server, dialed] = await socketPair("switchboard");
const asking = router(0);
const answering = router(1);
answering.attach(server, 0);
asking.attach(dialed, 1);
answering.listeners.handle("echoRequest", (data) => data);
let received = 0;
let enough: (() => void) | undefined;
const count1 = () => {
  if (++received === count) enough?.();
};
answering.listeners.on("flood", count1);

// Raw: the same over bare length-prefixed JSON.
const rawPath = `${dir}/raw.sock`;
const rawListener = Deno.listen({ transport: "unix", path: rawPath });
const rawAccepted = rawListener.accept();
const rawDialed = await Deno.connect({ transport: "unix", path: rawPath });
let answer: ((message: RawMessage) => void) | undefined;
const rawClient = new RawConnection(rawDialed, (message) => answer?.(message));
const rawServer: RawConnection = new RawConnection(await rawAccepted, (message) => {
  if (message.action === "echo") rawServer.send(message);
  else count1();
});

/** µs per round trip, or messages per second. */
async function measure(kind: "raw" | "switchboard"): Promise<number> {
  const start = performance.now();
  if (scenario === "roundTrip") {
    for (let i = 0; i < count; i++) {
      if (kind === "switchboard") await asking.request("echoRequest", payload, { to: 1 });
      else {await new Promise((
          resolve,
        ) => (answer = resolve, rawClient.send({ action: "echo", data: payload }))
        );}
    }
    return (performance.now() - start) * 1000 / count;
  }
  received = 0;
  const all = new Promise<void>((resolve) => enough = resolve);
  const chunk = chunkSize(100);
  for (let sent = 0; sent < count;) {
    for (const end = Math.min(count, sent + chunk); sent < end; sent++) {
      if (kind === "switchboard") asking.sendMessage("flood", payload, 1);
      else rawClient.send({ action: "flood", data: payload });
    }
    await nextTurn();
  }
  await all;
  return count / ((performance.now() - start) / 1000);
}

const unit = scenario === "roundTrip" ? "µs" : "msg/s";
for (let repetition = 0; repetition < Number(repetitionsArg); repetition++) {
  const raw = await measure("raw");
  const switchboard = await measure("switchboard");
  console.log(
    `${scenario}: raw ${raw.toFixed(2)} ${unit}, switchboard ${
      switchboard.toFixed(2)
    } ${unit}, ratio ${(switchboard / raw).toFixed(2)}`,
  );
}
await Promise.all([asking.close(), answering.close()]);
rawClient.close();
rawServer.close();
rawListener.close();
await Deno.remove(dir, { recursive: true });
