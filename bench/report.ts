/**
 * The results of one run, as the Markdown page (also printed) and the JSON
 * file the bench writes.
 *
 * @module
 */

import { CONTENDERS, MANAGER_TO_WORKER, NODE_JSON, RAW, WORKER_TO_WORKER } from "./contender.ts";
import { type Figure, find, pairedRatio, summary } from "./figure.ts";
import { count, formatMegabytes, formatRatio, formatSpread, formatValue } from "./format.ts";
import { type Machine, machineLine } from "./machine.ts";
import { type Align, markdownTable, paragraph } from "./markdown.ts";
import type { MemoryResult } from "./memory.ts";
import { sizeName } from "./scenarios.ts";
import { SETTINGS } from "./settings.ts";
import { BARE, BUNDLED, CLUSTER, EAGER } from "./startup.ts";
import type { TargetCheck } from "./targets.ts";

/** Everything one run produced. */
export interface Results {
  /** When it ran, ISO 8601. */
  date: string;
  /** How it was run. */
  command: string;
  /** Wall time of the whole run, in seconds. */
  seconds: number;
  /** Where it ran. */
  machine: Machine;
  /** Scenarios 1–5. */
  figures: Figure[];
  /** Scenario 6. */
  startup: Figure[];
  /** The memory run. */
  memory: MemoryResult;
  /** The targets, checked. */
  targets: TargetCheck[];
}

/** Rows of the main table, by figure id. */
const MAIN_ROWS = [
  "roundTrip.p50",
  "roundTrip.p99",
  "throughput",
  `large.${64 * 1024}`,
  `large.${1024 * 1024}`,
  ...SETTINGS.broadcast.receivers.map((n) => `broadcast.${n}`),
  ...SETTINGS.gather.receivers.map((n) => `gather.${n}.p50`),
];

/** The Markdown page: how it ran, then the tables. */
export function toMarkdown(results: Results): string {
  return [
    "# Switchboard benchmark",
    "",
    paragraph(
      `\`${results.command}\` on ${results.date.slice(0, 10)}, ${results.seconds.toFixed(0)} s: ${
        machineLine(results.machine)
      }.`,
    ),
    "",
    paragraph(
      `Median of ${SETTINGS.repetitions} repetitions, min–max in brackets, all measured side by ` +
        "side in one run, interleaved. Ratios (switchboard ÷ raw, or ÷ node-ipc json) are " +
        "medians of each repetition's ratio.",
    ),
    "",
    paragraph(
      results.machine.usableCores < results.machine.cores
        ? "Every process was pinned to the same core, so round trips never wait for another " +
          "core to wake: latencies are the software path alone, and stable."
        : "Round trips on a small machine depend on whether the scheduler puts both ends on one " +
          "core (no cross-core wake-up) or not, which can flip mid-run; for stable latency " +
          "figures, pin everything to one core: `taskset -c 0 deno task bench`.",
    ),
    "",
    "## Messaging (scenarios 1–5)",
    "",
    mainTable(results.figures),
    "",
    "## Cost per byte (scenario 3), ns/B, median",
    "",
    perByteTable(results.figures),
    "",
    "## Start-up (scenario 6), ms",
    "",
    startupTable(results.startup),
    "",
    paragraph(
      "For information, no target: the bundled worker is the same module made one file by " +
        "`deno bundle`, library included; compiled eagerly, that bundle (a copy of its own) runs " +
        "in children started with `--v8-flags=--no-lazy`, so that Deno's code cache holds every " +
        "function and not only the module's top level. The difference between the two bundled " +
        "columns is V8 compiling, in each child anew, the functions the child runs.",
    ),
    "",
    `## Memory: ${count(results.memory.messages)} messages, manager → worker 0`,
    "",
    memoryTable(results.memory),
    "",
    "## Targets",
    "",
    targetTable(results.targets),
    "",
  ].join("\n");
}

/** The JSON file's content: everything, each figure with its spread per contender. */
export function toJson(results: Results): string {
  const figures = (list: Figure[]) =>
    list.map((item) => ({
      id: item.id,
      scenario: item.scenario,
      label: item.label,
      unit: item.unit,
      higherIsBetter: item.higherIsBetter,
      results: Object.fromEntries(
        [...item.values.keys()].map((name) => [name, summary(item, name)]),
      ),
    }));
  return `${
    JSON.stringify(
      {
        ...results,
        settings: SETTINGS,
        figures: figures(results.figures),
        startup: figures(results.startup),
      },
      null,
      2,
    )
  }\n`;
}

function mainTable(figures: Figure[]): string {
  const header = [
    "Scenario",
    ...CONTENDERS,
    "m→w ÷ raw",
    "w→w ÷ raw",
    "m→w ÷ node json",
  ];
  const rows = MAIN_ROWS.map((id) => {
    const row = find(figures, id);
    const cell = (name: string) => {
      const spread = summary(row, name);
      return spread ? formatSpread(spread) : "—";
    };
    return [
      `${row.scenario}. ${row.label} (${row.unit})`,
      ...CONTENDERS.map(cell),
      ratioCell(row, MANAGER_TO_WORKER, RAW),
      ratioCell(row, WORKER_TO_WORKER, RAW),
      ratioCell(row, MANAGER_TO_WORKER, NODE_JSON),
    ];
  });
  return markdownTable(header, rows, header.map((_, i) => i === 0 ? "left" : "right"));
}

function ratioCell(row: Figure, name: string, baseline: string): string {
  const ratio = pairedRatio(row, name, baseline);
  return ratio === undefined ? "—" : formatRatio(ratio);
}

function perByteTable(figures: Figure[]): string {
  const header = ["Size", ...CONTENDERS];
  const rows = SETTINGS.large.sizes.map((size) => {
    const row = find(figures, `large.${size}`);
    return [
      sizeName(size),
      ...CONTENDERS.map((name) => {
        const megabytesPerSecond = summary(row, name)?.median;
        return megabytesPerSecond === undefined ? "—" : formatValue(1000 / megabytesPerSecond);
      }),
    ];
  });
  return markdownTable(header, rows, header.map(alignNumbers));
}

function startupTable(startup: Figure[]): string {
  const header = [
    "Workers",
    BARE,
    CLUSTER,
    "ratio",
    BUNDLED,
    "bundled ratio",
    EAGER,
    "eager ratio",
  ];
  const rows = startup.map((row, i) => [
    String(SETTINGS.startup.workers[i]),
    formatSpread(summary(row, BARE)!),
    formatSpread(summary(row, CLUSTER)!),
    ratioCell(row, CLUSTER, BARE),
    formatSpread(summary(row, BUNDLED)!),
    ratioCell(row, BUNDLED, BARE),
    formatSpread(summary(row, EAGER)!),
    ratioCell(row, EAGER, BARE),
  ]);
  return markdownTable(header, rows, header.map(alignNumbers));
}

function memoryTable(memory: MemoryResult): string {
  const header = ["Process", "heap after warm-up", `heap after ${count(memory.messages)}`, "ratio"];
  const rows =
    ([["sender (manager)", memory.sender], ["receiver (worker 0)", memory.receiver]] as const)
      .map(([name, heap]) => [
        name,
        formatMegabytes(heap.afterWarmUp),
        formatMegabytes(heap.atEnd),
        formatRatio(heap.atEnd / heap.afterWarmUp),
      ]);
  const note = `${formatValue(memory.rate)} msg/s over the run, drains included; ` +
    (memory.collected ? "heap read after gc()." : "gc() not exposed: heap includes garbage.");
  return `${markdownTable(header, rows, header.map(alignNumbers))}\n\n${paragraph(note)}`;
}

function targetTable(targets: TargetCheck[]): string {
  const header = ["Target", "Measured", "Met"];
  const rows = targets.map((check) => [check.target, check.measured, check.met ? "yes" : "**no**"]);
  const align: Align[] = ["left", "left", "left"];
  return markdownTable(header, rows, align);
}

function alignNumbers(_: string, column: number): Align {
  return column === 0 ? "left" : "right";
}
