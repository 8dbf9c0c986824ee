/**
 * A quick look while optimising: raw against Switchboard only, for chosen
 * scenarios, fewer repetitions. Not part of `deno task bench`.
 *
 * `deno run … bench/focus.ts roundTrip throughput large`
 *
 * @module
 */

import { pairedRatio, summary } from "./figure.ts";
import { startRaw } from "./raw_contender.ts";
import {
  broadcastCases,
  type Case,
  gatherCases,
  largeCases,
  roundTripCases,
  runScenario,
  throughputCases,
} from "./scenarios.ts";
import { startSwitchboard } from "./switchboard_contender.ts";

const chosen: Record<string, () => Case[]> = {
  roundTrip: roundTripCases,
  throughput: throughputCases,
  large: largeCases,
  broadcast: broadcastCases,
  gather: gatherCases,
};
const raw = await startRaw(8);
const switchboard = await startSwitchboard(8);
const contenders = [raw.contender, switchboard.managerToWorker, switchboard.workerToWorker];
try {
  for (const name of Deno.args) {
    for (const figure of await runScenario(chosen[name](), contenders, () => {})) {
      const cells = contenders.map((c) => {
        const s = summary(figure, c.name);
        return s ? `${c.name} ${s.median.toPrecision(4)}` : "";
      });
      const ratios = contenders.slice(1).map((c) =>
        `${c.name}÷raw ${pairedRatio(figure, c.name, "raw")?.toFixed(2)}`
      );
      console.log(`${figure.label.padEnd(28)} ${cells.join("  ")}  |  ${ratios.join("  ")}`);
    }
  }
} finally {
  await Promise.all([raw.stop(), switchboard.cluster.stop()]);
}
