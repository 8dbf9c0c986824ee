/**
 * Scenario 7: one cluster across two hosts, joined through NATS. Two
 * managers on this machine stand for two machines: host "b" (this script,
 * run again as a process of its own) and host "a" (this process), each
 * with two workers, in one cluster. Needs a NATS server with JetStream at
 * 127.0.0.1:4222 (`nats-server -a 127.0.0.1 -js`). Run:
 * `deno run --allow-run --allow-read=/tmp --allow-write=/tmp --allow-net examples/two_hosts.ts`
 *
 * @module
 */

import { Cluster, type LifecycleEvent, managerOf } from "../mod.ts";
import { natsBroker } from "../nats.ts";
import type { Protocol } from "./protocol.ts";

/** The NATS server of the example. */
export const NATS_SERVER = "127.0.0.1:4222";

/** Whether a NATS server answers at {@linkcode NATS_SERVER}. */
export async function natsAnswers(): Promise<boolean> {
  const [hostname, port] = NATS_SERVER.split(":");
  try {
    (await Deno.connect({ hostname, port: Number(port) })).close();
    return true;
  } catch {
    return false;
  }
}

/** One host of the cluster: the same code on every host, only the host's name differs. */
export function startHost(cluster: string, host: string): Promise<Cluster<Protocol>> {
  return Cluster.start<Protocol>({
    worker: new URL("./worker.ts", import.meta.url),
    workers: 2,
    broker: natsBroker({ servers: NATS_SERVER, cluster, host }),
  });
}

export async function main(): Promise<void> {
  if (!(await natsAnswers())) {
    console.log(`skipped: no NATS server at ${NATS_SERVER} (nats-server -a 127.0.0.1 -js)`);
    return;
  }
  const cluster = `example-${crypto.randomUUID().slice(0, 8)}`;
  // Host "b" first, so it takes worker ids 0 and 1: its own process, as on another machine.
  const b = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-run",
      "--allow-read=/tmp",
      "--allow-write=/tmp",
      // Its own socket's path is random: Unix sockets need --allow-net as a whole.
      "--allow-net",
      new URL(import.meta.url).pathname,
      cluster,
    ],
    stdout: "piped",
  }).spawn();
  const output = b.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value: line } = await output.read();
  if (!line?.startsWith("workers")) throw new Error(`host b did not start: ${line}`);
  const bWorkers: number[] = JSON.parse(line.slice("workers".length));
  console.log(`host b: workers ${bWorkers}`);

  await using a = await startHost(cluster, "a");
  const aWorkers = a.stats().children.map((child) => child.address as number);
  console.log(`host a: workers ${aWorkers}; the cluster has ${a.workerCount} workers`);

  // Every worker of every host, counted.
  const count = a.sendMessage("test", { time: Date.now() });
  console.log(`a broadcast from host a reached ${count} workers`);

  // A request to a worker on host b, and a gather over the whole cluster.
  const echo = await a.request("echoRequest", { text: "hello, b" }, { to: bWorkers[0] });
  console.log(`worker ${echo.worker} on host b answered "${echo.text}"`);
  const stats = await a.requestAll("statsRequest", undefined);
  console.log(
    `requestAll: ${
      stats.map((r) => `worker ${r.from}: ${"data" in r ? r.data.connections : r.error.message}`)
        .join(", ")
    }`,
  );

  // A worker here asks a worker there by hand, messageId and all.
  const answered = collect(a, "answeredByHand", 1);
  a.sendMessage("askByHand", { to: bWorkers[1] }, aWorkers[0]);
  const [{ worker, response }] = await answered;
  console.log(
    `worker ${worker} on host a got worker ${response.worker}'s testResponse from host b`,
  );

  // Host b stops (SIGTERM: a graceful stop); host a hears it leave, and its ids are free again.
  const left = new Promise<LifecycleEvent>((resolve) => {
    const off = a.onLifecycle((event) => {
      if (event.type === "hostLeft" && event.address === managerOf("b")) resolve(event), off();
    });
  });
  b.kill("SIGTERM");
  await left;
  await b.status;
  await output.cancel();
  console.log(`host b left; the cluster has ${a.workerCount} workers`);
}

/** The data of the next `count` messages of `action` that reach `cluster`. */
function collect<A extends "answeredByHand">(
  cluster: Cluster<Protocol>,
  action: A,
  count: number,
): Promise<Protocol[A][]> {
  const seen: Protocol[A][] = [];
  return new Promise((resolve) => {
    const off = cluster.on(action, (data) => {
      seen.push(data);
      if (seen.length === count) off(), resolve(seen);
    });
  });
}

if (import.meta.main) {
  const [cluster] = Deno.args;
  if (cluster === undefined) {
    await main();
  } else {
    // Host "b": serves until a signal stops it.
    const b = await startHost(cluster, "b");
    console.log(`workers ${JSON.stringify(b.stats().children.map((child) => child.address))}`);
    await b.closed;
  }
}
