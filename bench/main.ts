/**
 * The benchmark: `deno task bench`. Starts every contender (the raw
 * baseline, Node's IPC in both serializations, a Switchboard cluster), runs
 * scenarios 1–5 interleaved across them, the memory run, then scenario 6
 * with nothing else running, and scenario 7 across two "hosts" joined
 * through the NATS server at 127.0.0.1:4222 (skipped, and said so, without
 * one), scenario 8, work for any worker, and scenario 9, bytes; prints
 * the Markdown tables and writes them, with the JSON, to bench/results/.
 *
 * @module
 */

import type { Contender } from "./contender.ts";
import type { Figure } from "./figure.ts";
import { runAnyWorker } from "./any_worker.ts";
import { runBytes } from "./bytes.ts";
import { natsAnswers, runAcrossHosts } from "./hosts.ts";
import { describeMachine } from "./machine.ts";
import { place } from "./placement.ts";
import { measureMemory, type MemoryResult } from "./memory.ts";
import { startNode } from "./node_contender.ts";
import { startRaw } from "./raw_contender.ts";
import { type Results, toJson, toMarkdown } from "./report.ts";
import {
  broadcastCases,
  type Case,
  gatherCases,
  largeCases,
  roundTripCases,
  runScenario,
  throughputCases,
} from "./scenarios.ts";
import { SETTINGS } from "./settings.ts";
import { runStartup } from "./startup.ts";
import { startSwitchboard } from "./switchboard_contender.ts";
import { checkTargets } from "./targets.ts";

const COMMAND = "deno task bench";
const RESULTS = new URL("./results/", import.meta.url);

const began = performance.now();
const date = new Date().toISOString();
const progress = (what: string) => {
  const seconds = ((performance.now() - began) / 1000).toFixed(0).padStart(3);
  console.error(`[${seconds} s] ${what}`);
};

progress("starting the contenders");
const raw = await startRaw(SETTINGS.receivers);
const nodeJson = await startNode("json", SETTINGS.receivers);
const nodeAdvanced = await startNode("advanced", SETTINGS.receivers);
const switchboard = await startSwitchboard(SETTINGS.receivers);
const contenders: Contender[] = [
  raw.contender,
  nodeJson.contender,
  nodeAdvanced.contender,
  switchboard.managerToWorker,
  switchboard.workerToWorker,
];

// Pinned first: the software path alone, comparable from run to run.
await place("pinned");
const scenarios: [string, Case[]][] = [
  ["1. round trip", roundTripCases()],
  ["2. throughput", throughputCases()],
  ["3. large messages", largeCases()],
  ["4. broadcast", broadcastCases()],
  ["5. requestAll", gatherCases()],
];
const figures: Figure[] = [];
const unpinnedScenarios: [string, Case[]][] = [
  ["1. round trip", roundTripCases()],
  ["2. throughput", throughputCases()],
];
const unpinned: Figure[] = [];
let memory: MemoryResult;
try {
  for (const [name, cases] of scenarios) {
    progress(`scenario ${name}: warm-up`);
    figures.push(
      ...await runScenario(
        cases,
        contenders,
        (repetition) =>
          progress(`scenario ${name}: repetition ${repetition + 1}/${SETTINGS.repetitions}`),
      ),
    );
  }
  progress(`memory: ${SETTINGS.memory.count} messages`);
  memory = await measureMemory(switchboard.cluster);
  // Then as users run it: the same processes, wherever the scheduler puts them.
  await place("unpinned");
  for (const [name, cases] of unpinnedScenarios) {
    progress(`unpinned: scenario ${name}: warm-up`);
    unpinned.push(
      ...(await runScenario(
        cases,
        contenders,
        (repetition) =>
          progress(
            `unpinned: scenario ${name}: repetition ${repetition + 1}/${SETTINGS.repetitions}`,
          ),
      )).map((figure) => ({ ...figure, id: `unpinned.${figure.id}` })),
    );
  }
  await place("pinned");
} finally {
  await Promise.all([raw.stop(), nodeJson.stop(), nodeAdvanced.stop(), switchboard.cluster.stop()]);
}

progress("scenario 6. start-up: warm-up");
const startup = await runStartup((repetition) =>
  progress(`scenario 6. start-up: repetition ${repetition + 1}/${SETTINGS.repetitions}`)
);

// Work for any worker, and across hosts: unpinned, as users run them.
await place("unpinned");
progress("scenario 8. work for any worker: warm-up");
const any = await runAnyWorker((repetition) =>
  progress(`scenario 8. work for any worker: repetition ${repetition + 1}/${SETTINGS.repetitions}`)
);
progress("scenario 9. bytes: warm-up");
const bytes = await runBytes((repetition) =>
  progress(`scenario 9. bytes: repetition ${repetition + 1}/${SETTINGS.repetitions}`)
);
let hosts: Figure[] | undefined;
if (await natsAnswers()) {
  progress("scenario 7. across hosts: warm-up");
  hosts = await runAcrossHosts((repetition) =>
    progress(`scenario 7. across hosts: repetition ${repetition + 1}/${SETTINGS.repetitions}`)
  );
} else {
  progress(`scenario 7. across hosts: skipped, no NATS server at 127.0.0.1:4222`);
}

const results: Results = {
  date,
  command: COMMAND,
  seconds: (performance.now() - began) / 1000,
  machine: describeMachine(nodeJson.about),
  figures,
  unpinned,
  startup,
  memory,
  hosts,
  any,
  bytes,
  targets: checkTargets(figures, unpinned, startup, memory, hosts, bytes),
};
const markdown = toMarkdown(results);
console.log(markdown);
await writeAtomically(new URL("latest.json", RESULTS), toJson(results));
await writeAtomically(new URL("latest.md", RESULTS), markdown);
progress(`done; results in bench/results/latest.{md,json}`);

/** Writes through a temporary file, so a failed run never leaves half a result. */
async function writeAtomically(file: URL, text: string): Promise<void> {
  const temporary = new URL(`${file.href}.tmp`);
  await Deno.writeTextFile(temporary, text);
  await Deno.rename(temporary, file);
}
