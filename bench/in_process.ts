/**
 * Switchboard's own CPU cost per message, without the scheduler's noise:
 * two routers joined by a real Unix socket inside one process (the
 * transport's endpoints, as two workers have them), against two
 * raw connections the same way, interleaved. One process means no
 * cross-process wake-ups, so what differs is the work each side does.
 * Not part of `deno task bench`; a quick look while optimising, and a
 * steady script for `bench/profile.ts`.
 *
 * `deno run --allow-read=/tmp --allow-write=/tmp --allow-net bench/in_process.ts [roundTrip|throughput] [count] [repetitions]`
 *
 * @module
 */

import { MANAGER } from "../src/address.ts";
import { Layout } from "../src/layout.ts";
import { Router } from "../src/router.ts";
import { UnixHost } from "../src/unix/host.ts";
import { openUnixEndpoint } from "../src/unix/transport.ts";
import { chunkSize, nextTurn } from "./pace.ts";
import { makePayload } from "./payload.ts";
import { RawConnection, type RawMessage } from "./raw_connection.ts";

const [scenario = "roundTrip", countArg = "50000", repetitionsArg = "7"] = Deno.args;
const count = Number(countArg);
const payload = makePayload(100);
const dir = await Deno.makeTempDir({ prefix: "switchboard-bench-in-process-" });
const layout = new Layout(2, []);
const host = await UnixHost.create({ workers: layout.workerIds, services: [] });
const fail = (error: Error) => {
  throw error;
};
// Workers join the manager's endpoint as they open; it takes no other part.
const manager = await host.open(MANAGER, { maxPayload: 1 << 24, report: fail });
manager.receive({ deliver() {}, gone() {} });

async function router(self: number): Promise<Router> {
  const router = new Router({
    endpoint: await openUnixEndpoint(host.childConfig, self, {
      maxPayload: 1 << 24,
      report: fail,
    }),
    layout,
    maxFrameSize: 1 << 24,
    requestTimeout: 30_000,
    highWaterMark: 1 << 20,
    maxQueuedBytes: 1 << 26,
  });
  router.ready();
  return router;
}

// Switchboard: worker 0 asks and floods worker 1, over the socket it dials on first use.
const asking = await router(0);
const answering = await router(1);
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
manager.close();
await manager.closed;
await host.close();
rawClient.close();
rawServer.close();
rawListener.close();
await Deno.remove(dir, { recursive: true });
