/**
 * Scenario 8, work for any worker: requests of uneven cost (most short,
 * every tenth ten times longer, CPU-bound) to N workers, a fixed number in
 * flight, sent `to: ANY` against a fixed round-robin (`to: i % N`), side by
 * side in one run: total time and p99 latency.
 *
 * @module
 */

import { ANY, Cluster } from "../mod.ts";
import { type Figure, figure, record } from "./figure.ts";
import type { BenchProtocol } from "./protocol.ts";
import { SETTINGS } from "./settings.ts";
import { latency } from "./stats.ts";

/** The contenders of scenario 8. */
export const TO_ANY = "to: ANY";
export const ROUND_ROBIN = "round-robin";
export const ANY_CONTENDERS = [ROUND_ROBIN, TO_ANY];

const WORKER = new URL("./switchboard_worker.ts", import.meta.url);

/** Scenario 8's figures. */
export async function runAnyWorker(progress: (repetition: number) => void): Promise<Figure[]> {
  const { workers, requests } = SETTINGS.any;
  const figures = [
    figure("any.total", 8, `${requests} requests of uneven cost, total`, "ms", false),
    figure("any.p99", 8, `${requests} requests of uneven cost, latency p99`, "ms", false),
  ];
  await using cluster = await Cluster.start<BenchProtocol>({ worker: WORKER, workers });
  const policies: [string, (i: number) => number | typeof ANY][] = [
    [ROUND_ROBIN, (i) => i % workers],
    [TO_ANY, () => ANY],
  ];
  for (const [, to] of policies) await run(cluster, to);
  for (let repetition = 0; repetition < SETTINGS.repetitions; repetition++) {
    progress(repetition);
    for (const [name, to] of policies) {
      const { total, p99 } = await run(cluster, to);
      record(figures[0], name, total);
      record(figures[1], name, p99);
    }
  }
  return figures;
}

/** Sends the requests, `inFlight` at a time; the total ms and each one's latency p99. */
async function run(
  cluster: Cluster<BenchProtocol>,
  to: (i: number) => number | typeof ANY,
): Promise<{ total: number; p99: number }> {
  const { requests, inFlight, shortMs, longMs, longEvery } = SETTINGS.any;
  const latencies = new Float64Array(requests);
  let next = 0;
  const start = performance.now();
  const lane = async () => {
    while (next < requests) {
      const i = next++;
      const ms = i % longEvery === longEvery - 1 ? longMs : shortMs;
      const sent = performance.now();
      await cluster.request("workRequest", { ms }, { to: to(i) });
      latencies[i] = performance.now() - sent;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { total: performance.now() - start, p99: latency(latencies).p99 };
}
