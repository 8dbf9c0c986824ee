/**
 * The targets, checked against one run. Every check is on ratios of
 * figures measured side by side, repetition by repetition.
 *
 * @module
 */

import { MANAGER_TO_WORKER, NODE_JSON, RAW, WORKER_TO_WORKER } from "./contender.ts";
import { type Figure, find, pairedRatio, summary } from "./figure.ts";
import { count, formatRatio, formatValue } from "./format.ts";
import type { MemoryResult } from "./memory.ts";
import { sizeName } from "./scenarios.ts";
import { SETTINGS } from "./settings.ts";
import { BARE, CLUSTER } from "./startup.ts";
import { RAW_NATS, TO_MANAGER, TO_WORKER } from "./hosts.ts";
import { RAW_KEPT, RAW_REUSED, SWITCHBOARD_BYTES } from "./bytes.ts";

/** One target, its measured ratio, and whether it is met. */
export interface TargetCheck {
  /** The target as the issue states it. */
  target: string;
  /** The ratio the check is on. */
  ratio: number;
  /** The ratio with the figures behind it, for the table. */
  measured: string;
  /** Whether the ratio is on the right side of the limit. */
  met: boolean;
}

/**
 * How much switchboard's cost per byte, relative to raw's, may grow from
 * mid-sized to the largest messages and still count as linear. Relative to
 * raw, what the runtime itself does with big messages (allocation, GC)
 * cancels out; a decoder that re-copies what it buffered on every read
 * would grow it many times over (by 16 bytes copied per byte at 4 MiB in
 * 128 KiB reads). Two sizes each side, so one noisy size cannot decide.
 */
const LINEAR_LIMIT = 1.5;
const LINEAR_SMALL = [16 * 1024, 64 * 1024];
const LINEAR_LARGE = [1024 * 1024, 4 * 1024 * 1024];
/** How much the per-delivery cost may grow from N = 1 to N = 8 and count as flat. */
const FLAT_LIMIT = 1.25;

/** Checks every target the run has figures for. */
export function checkTargets(
  figures: readonly Figure[],
  unpinned: readonly Figure[],
  startup: readonly Figure[],
  memory: MemoryResult,
  hosts: readonly Figure[] = [],
  bytes: readonly Figure[] = [],
): TargetCheck[] {
  const all = [...figures, ...unpinned, ...startup, ...hosts, ...bytes];
  const checks: TargetCheck[] = [];
  const check = (target: string, ratio: number, met: boolean, detail: string) =>
    checks.push({ target, ratio, met, measured: `${formatRatio(ratio)} (${detail})` });
  /** The paired ratio, and the medians behind it. */
  const versus = (id: string, contender: string, baseline: string) => {
    const row = find(all, id);
    const value = summary(row, contender)?.median ?? NaN;
    const base = summary(row, baseline)?.median ?? NaN;
    const ratio = pairedRatio(row, contender, baseline) ?? NaN;
    return [ratio, `${formatValue(value)} vs ${formatValue(base)} ${row.unit}`] as const;
  };

  for (const contender of [MANAGER_TO_WORKER, WORKER_TO_WORKER]) {
    const who = contender.replace("switchboard ", "");
    let [ratio, detail] = versus("roundTrip.p50", contender, RAW);
    check(`1. round trip p50, ${who}: ≤ 1.25× raw`, ratio, ratio <= 1.25, detail);
    [ratio, detail] = versus("roundTrip.p50", contender, NODE_JSON);
    check(`1. round trip p50, ${who}: faster than node-ipc json`, ratio, ratio < 1, detail);
    [ratio, detail] = versus("throughput", contender, RAW);
    check(`2. throughput, ${who}: ≥ 0.7× raw`, ratio, ratio >= 0.7, detail);
    [ratio, detail] = versus("throughput", contender, NODE_JSON);
    check(`2. throughput, ${who}: ≥ 2× node-ipc json`, ratio, ratio >= 2, detail);
    for (const size of [64 * 1024, 1024 * 1024]) {
      [ratio, detail] = versus(`large.${size}`, contender, RAW);
      check(`3. ${sizeName(size)}, ${who}: ≥ 0.8× raw MB/s`, ratio, ratio >= 0.8, detail);
    }
    // Cost per byte is the inverse of MB/s: switchboard's, relative to raw's.
    const relativeCost = (sizes: number[]) =>
      geometricMean(
        sizes.map((size) => 1 / (pairedRatio(find(all, `large.${size}`), contender, RAW) ?? NaN)),
      );
    const small = relativeCost(LINEAR_SMALL);
    const large = relativeCost(LINEAR_LARGE);
    ratio = large / small;
    check(
      `3. cost per byte, ${who}: linear (÷ raw grows ≤ ${LINEAR_LIMIT}× from ${
        sizeRange(LINEAR_SMALL)
      } to ${sizeRange(LINEAR_LARGE)})`,
      ratio,
      ratio <= LINEAR_LIMIT,
      `${formatRatio(small)} raw's at ${sizeRange(LINEAR_SMALL)}, ${formatRatio(large)} at ${
        sizeRange(LINEAR_LARGE)
      }`,
    );
  }

  // As users run it: unpinned, where a round trip may wait for another core.
  for (const contender of [MANAGER_TO_WORKER, WORKER_TO_WORKER]) {
    const who = contender.replace("switchboard ", "");
    let [ratio, detail] = versus("unpinned.roundTrip.p50", contender, RAW);
    check(`1. round trip p50 unpinned, ${who}: ≤ 1.1× raw`, ratio, ratio <= 1.1, detail);
    [ratio, detail] = versus("unpinned.roundTrip.p50", contender, NODE_JSON);
    check(
      `1. round trip p50 unpinned, ${who}: no slower than node-ipc json`,
      ratio,
      ratio <= 1,
      detail,
    );
  }

  const { receivers } = SETTINGS.broadcast;
  const [fewest, most] = [receivers[0], receivers[receivers.length - 1]];
  const costGrowth = (name: string) =>
    (summary(find(all, `broadcast.${fewest}`), name)?.median ?? NaN) /
    (summary(find(all, `broadcast.${most}`), name)?.median ?? NaN);
  const growth = costGrowth(MANAGER_TO_WORKER);
  check(
    `4. broadcast, m→w: per-delivery cost at N=${most} ≤ ${FLAT_LIMIT}× N=${fewest}`,
    growth,
    growth <= FLAT_LIMIT,
    `raw ${formatRatio(costGrowth(RAW))}`,
  );

  for (const n of SETTINGS.startup.workers) {
    const [ratio, detail] = versus(`startup.${n}`, CLUSTER, BARE);
    const workers = `${n} worker${n === 1 ? "" : "s"}`;
    check(`6. start-up, ${workers}: ≤ 1.3× bare children`, ratio, ratio <= 1.3, detail);
  }

  for (const [who, heap] of [["sender", memory.sender], ["receiver", memory.receiver]] as const) {
    const ratio = heap.atEnd / heap.afterWarmUp;
    check(
      `memory, ${who}: heap after ${count(memory.messages)} messages ≤ 1.1× after warm-up`,
      ratio,
      ratio <= 1.1,
      `${formatValue(heap.atEnd / 1e6)} vs ${formatValue(heap.afterWarmUp / 1e6)} MB`,
    );
  }
  // Across hosts, when the run had a NATS server.
  for (const contender of hosts.length > 0 ? [TO_MANAGER, TO_WORKER] : []) {
    const who = contender.replace("switchboard ", "");
    let [ratio, detail] = versus("hosts.roundTrip.p50", contender, RAW_NATS);
    check(`7. round trip p50, ${who}: ≤ 1.25× raw nats.js`, ratio, ratio <= 1.25, detail);
    [ratio, detail] = versus("hosts.throughput", contender, RAW_NATS);
    check(`7. throughput, ${who}: ≥ 0.7× raw nats.js`, ratio, ratio >= 0.7, detail);
  }

  // Against the raw receiver that, like Switchboard's, hands over arrays it
  // may keep; the reused buffer, which keeps nothing, beside it.
  for (const row of bytes) {
    const [ratio, detail] = versus(row.id, SWITCHBOARD_BYTES, RAW_KEPT);
    const floor = pairedRatio(row, SWITCHBOARD_BYTES, RAW_REUSED) ?? NaN;
    check(
      `9. ${row.label.replace("one-way Uint8Array of ", "")}: ≥ 0.8× raw MB/s, fresh arrays`,
      ratio,
      ratio >= 0.8,
      `${detail}; ${formatRatio(floor)} of one reused buffer`,
    );
  }
  return checks;
}

function geometricMean(values: number[]): number {
  return Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length);
}

/** `16–64 KiB`, `1–4 MiB`. */
function sizeRange(sizes: number[]): string {
  const [first, last] = [sizeName(sizes[0]), sizeName(sizes[sizes.length - 1])];
  return first.split(" ")[1] === last.split(" ")[1]
    ? `${first.split(" ")[0]}–${last}`
    : `${first}–${last}`;
}
