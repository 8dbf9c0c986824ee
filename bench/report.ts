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
import { ANY_CONTENDERS, ROUND_ROBIN, TO_ANY } from "./any_worker.ts";
import {
  BYTES_CONTENDERS,
  KEEP_FREED_MEMORY,
  RAW_KEPT,
  RAW_REUSED,
  SWITCHBOARD_BYTES,
  SWITCHBOARD_LENDING,
} from "./bytes.ts";
import { HOST_CONTENDERS, RAW_NATS } from "./hosts.ts";
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
  /** Scenarios 1–5, every process pinned to one core. */
  figures: Figure[];
  /** Scenarios 1–2 again, unpinned; ids start with `unpinned.`. */
  unpinned: Figure[];
  /** Scenario 6. */
  startup: Figure[];
  /** The memory run. */
  memory: MemoryResult;
  /** Scenario 7, across hosts; undefined when no NATS server answered. */
  hosts?: Figure[];
  /** Scenario 8, work for any worker. */
  any: Figure[];
  /** Scenario 9, bytes. */
  bytes: Figure[];
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

/** Rows of the unpinned table. */
const UNPINNED_ROWS = ["unpinned.roundTrip.p50", "unpinned.roundTrip.p99", "unpinned.throughput"];

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
      "The run moves itself and every process it started between two placements (`taskset -a " +
        "-p`): first all pinned to one core, so that round trips never wait for another core " +
        "to wake and the figures show the software path alone; then, for scenarios 1 and 2, " +
        "unpinned, wherever the scheduler puts them, as users run it. Start-up and memory run " +
        "pinned.",
    ),
    "",
    "## Messaging (scenarios 1–5), pinned to one core",
    "",
    mainTable(results.figures),
    "",
    "## Messaging (scenarios 1–2), unpinned",
    "",
    mainTable(results.unpinned, UNPINNED_ROWS),
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
    "## Across hosts (scenario 7), unpinned",
    "",
    results.hosts ? hostsTable(results.hosts) : paragraph(
      "Skipped: no NATS server answered at 127.0.0.1:4222 (README, Across hosts, says how to " +
        "start one).",
    ),
    "",
    paragraph(
      'Two "hosts" on this machine, each a manager process joined through the NATS server at ' +
        "127.0.0.1:4222, against raw nats.js request/reply and publish between two processes " +
        "(JSON both ways). From host a's manager to host b's manager, one NATS hop like raw's; " +
        "to host b's worker, one Unix-socket hop more each way through b's manager, its gateway.",
    ),
    "",
    "## Work for any worker (scenario 8), unpinned",
    "",
    anyTable(results.any),
    "",
    paragraph(
      `${SETTINGS.any.requests} CPU-bound requests to ${SETTINGS.any.workers} workers, ` +
        `${SETTINGS.any.inFlight} in flight at a time; most take ${SETTINGS.any.shortMs} ms of ` +
        `work, every ${SETTINGS.any.longEvery}th ${SETTINGS.any.longMs} ms. Round-robin sends ` +
        "request i to worker i mod N; `to: ANY` to the worker with the fewest requests open, " +
        "ties in turn.",
    ),
    "",
    "## Bytes (scenario 9), unpinned",
    "",
    bytesTable(results.bytes),
    "",
    paragraph(
      "Manager to one worker, one-way, each message one Uint8Array of random bytes, " +
        `${SETTINGS.bytes.bytesPerSize / 1024 / 1024} MiB per size per repetition; the sender ` +
        "waits whenever more than the high-water mark is queued. The raw floor writes each array " +
        "straight from the sender's memory behind a 4-byte length to a bare Unix socket; its " +
        "receiver reads into one reused buffer (nothing is faster), or into a fresh array of the " +
        "message's size (what a receiver that keeps the bytes must do, as Switchboard's does). " +
        "Twice, side by side: with glibc as it comes, and with the receivers' glibc keeping " +
        `freed memory (${
          Object.entries(KEEP_FREED_MEMORY).map(([name, value]) => `${name}=${value}`).join(" ")
        }).`,
    ),
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
        unpinned: figures(results.unpinned),
        startup: figures(results.startup),
        hosts: results.hosts && figures(results.hosts),
        any: figures(results.any),
        bytes: figures(results.bytes),
      },
      null,
      2,
    )
  }\n`;
}

function mainTable(figures: Figure[], ids: readonly string[] = MAIN_ROWS): string {
  const header = [
    "Scenario",
    ...CONTENDERS,
    "m→w ÷ raw",
    "w→w ÷ raw",
    "m→w ÷ node json",
  ];
  const rows = ids.map((id) => {
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

function hostsTable(figures: Figure[]): string {
  const others = HOST_CONTENDERS.filter((name) => name !== RAW_NATS);
  return scenarioTable(
    figures,
    HOST_CONTENDERS,
    others.map((name) => [`${name.split(" ")[1]} ÷ raw`, name, RAW_NATS]),
  );
}

function anyTable(figures: Figure[]): string {
  return scenarioTable(figures, ANY_CONTENDERS, [["ANY ÷ round-robin", TO_ANY, ROUND_ROBIN]]);
}

/** Scenario 9's table, as README shows it. */
export function bytesTable(figures: Figure[]): string {
  return scenarioTable(figures, BYTES_CONTENDERS, [
    ["÷ one buffer", SWITCHBOARD_BYTES, RAW_REUSED],
    ["÷ fresh arrays", SWITCHBOARD_BYTES, RAW_KEPT],
    ["lending ÷ fresh arrays", SWITCHBOARD_LENDING, RAW_KEPT],
  ]);
}

/**
 * A row per figure: its scenario, each contender's median and spread, then
 * each paired ratio, given as `[column title, contender, baseline]`.
 */
function scenarioTable(
  figures: Figure[],
  contenders: readonly string[],
  ratios: readonly [title: string, name: string, baseline: string][],
): string {
  const header = ["Scenario", ...contenders, ...ratios.map(([title]) => title)];
  const rows = figures.map((row) => [
    `${row.scenario}. ${row.label} (${row.unit})`,
    ...contenders.map((name) => {
      const spread = summary(row, name);
      return spread ? formatSpread(spread) : "—";
    }),
    ...ratios.map(([, name, baseline]) => ratioCell(row, name, baseline)),
  ]);
  return markdownTable(header, rows, header.map(alignNumbers));
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
