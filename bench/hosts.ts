/**
 * Scenario 7, across hosts: Switchboard between two "hosts" (two manager
 * processes on this machine joined through the NATS server at
 * 127.0.0.1:4222) against raw nats.js between two processes, request/reply
 * and publish, interleaved. The Switchboard figures are from host a's
 * manager (this process) to the worker of host b (through b's manager, its
 * gateway) and to b's manager itself.
 *
 * @module
 */

import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Cluster, managerOf } from "../mod.ts";
import { natsBroker } from "../nats.ts";
import { type Channel, measureRoundTrips, measureStream } from "./channel.ts";
import { type Figure, figure, record } from "./figure.ts";
import { makePayload, type Payload } from "./payload.ts";
import type { BenchProtocol } from "./protocol.ts";
import { SETTINGS } from "./settings.ts";
import { latency } from "./stats.ts";
import { peerChannel } from "./switchboard_channel.ts";

/** The contenders of scenario 7. */
export const RAW_NATS = "raw nats.js";
export const TO_WORKER = "switchboard a→worker@b";
export const TO_MANAGER = "switchboard a→manager@b";
export const HOST_CONTENDERS = [RAW_NATS, TO_WORKER, TO_MANAGER];

/** Whether the NATS server the bench needs answers. */
export async function natsAnswers(): Promise<boolean> {
  return await Deno.connect({ hostname: "127.0.0.1", port: 4222 })
    .then((conn) => (conn.close(), true), () => false);
}

/** Scenario 7's figures: round trip p50 and p99, and one-way throughput. */
export async function runAcrossHosts(progress: (repetition: number) => void): Promise<Figure[]> {
  const { bytes, roundTrips, messages } = SETTINGS.hosts;
  const payload = makePayload(bytes);
  const figures = [
    figure("hosts.roundTrip.p50", 7, `across hosts, round trip p50, ${bytes} B`, "µs", false),
    figure("hosts.roundTrip.p99", 7, `across hosts, round trip p99, ${bytes} B`, "µs", false),
    figure("hosts.throughput", 7, `across hosts, one-way, ${bytes} B`, "msg/s", true),
  ];
  const cluster = `bench${crypto.randomUUID().slice(0, 8)}`;
  const responder = spawn("nats_responder.ts", ["--allow-net=127.0.0.1:4222"], cluster);
  const host = spawn(
    "nats_host.ts",
    ["--allow-run", "--allow-read=/tmp", "--allow-write=/tmp", "--allow-net"],
    cluster,
  );
  const nc = await connect({ servers: "127.0.0.1:4222" });
  let a: Cluster<BenchProtocol> | undefined;
  try {
    await responder.ready;
    const worker = Number((await host.ready).split(" ")[1]);
    a = await Cluster.start<BenchProtocol>({
      workers: 0,
      broker: natsBroker({ servers: "127.0.0.1:4222", cluster, host: "a" }),
    });
    const channels: [string, Channel][] = [
      [RAW_NATS, natsChannel(nc, cluster)],
      [TO_WORKER, peerChannel(a, worker)],
      [TO_MANAGER, peerChannel(a, managerOf("b"))],
    ];
    // Warm-up, then repetitions, each contender in turn.
    for (const [, channel] of channels) {
      await measureRoundTrips(channel, roundTrips / 5, payload);
      await measureStream(channel, messages / 5, payload);
    }
    for (let repetition = 0; repetition < SETTINGS.repetitions; repetition++) {
      progress(repetition);
      for (const [name, channel] of channels) {
        const { p50, p99 } = latency(await measureRoundTrips(channel, roundTrips, payload));
        record(figures[0], name, p50);
        record(figures[1], name, p99);
        record(figures[2], name, messages / await measureStream(channel, messages, payload));
      }
    }
  } finally {
    await a?.stop();
    await nc.close();
    await Promise.all([responder.stop(), host.stop()]);
  }
  return figures;
}

/** The raw baseline's channel: request/reply and publish on the responder's subjects. */
function natsChannel(nc: NatsConnection, prefix: string): Channel {
  const encode = (payload: Payload) => new TextEncoder().encode(JSON.stringify(payload));
  return {
    targets: 1,
    ask: async (payload) =>
      JSON.parse(
        new TextDecoder().decode((await nc.request(`${prefix}.echo`, encode(payload))).data),
      ),
    post(payload) {
      nc.publish(`${prefix}.sink`, encode(payload));
    },
    async drain() {
      return Number(new TextDecoder().decode((await nc.request(`${prefix}.drain`)).data));
    },
  };
}

/** A bench script run as a process of its own, which prints "ready…" first, and stops when its stdin closes. */
function spawn(script: string, permissions: string[], cluster: string) {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, new URL(script, import.meta.url).href, cluster],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const lines = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const ready = lines.read().then(({ value }) => {
    if (!value?.startsWith("ready")) throw new Error(`${script} did not start: ${value}`);
    return value.trim();
  });
  return {
    ready,
    async stop() {
      await process.stdin.close();
      await process.status;
      await lines.cancel();
    },
  };
}
