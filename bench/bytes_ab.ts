/**
 * Scenario 9's bytes, this checkout against another one and the raw floor
 * (a receiver that reads each array into a fresh array of its size), side
 * by side in alternating blocks, to check a change to what a MiB array
 * costs under the same machine noise. Not part of `deno task bench`. See
 * bench/BYTES.md for how its figures were read.
 *
 * Pinned to one core, so that MB/s is the bytes over the CPU time of sender
 * and receiver together, and with glibc keeping freed memory:
 * `git worktree add /tmp/before HEAD~1`, then
 * `MALLOC_MMAP_THRESHOLD_=67108864 MALLOC_TRIM_THRESHOLD_=268435456
 * taskset -c 0 deno run -A bench/bytes_ab.ts /tmp/before [MiB] [block MiB] [blocks]`
 * (defaults: 4, 256 and 4; an even number of blocks, as before and after
 * take turns going first). Each run starts fresh processes; run it a few
 * times, as each run's processes settle into a pace of their own.
 *
 * Beside them, `lend`: this checkout's `sendLending` with one buffer (lent,
 * awaited back, written into, again), on a worker of its own
 * (`bench/bytes.ts` `lendingMover`). Given `-` for the other checkout, only
 * raw, `after` (this checkout's copy path) and `lend` run: lend against
 * copy against raw, `MALLOC_MMAP_THRESHOLD_=67108864
 * MALLOC_TRIM_THRESHOLD_=268435456 taskset -c 0 deno run -A
 * bench/bytes_ab.ts - 1`.
 *
 * Beside MB/s, each contender's CPU time per GiB, sender and receiver
 * (`bench/cpu_time.ts`): what a byte costs, which the other processes on
 * a shared machine do not add to, as they add to a pinned block's wall
 * time. On 2026-12-07, the same code on both sides, pinned and kept, while
 * other sessions' tests loaded the machine (load 3–7), 26 runs: the two
 * MB/s ratios differed by 0.063× raw (standard deviation; at most 0.14×),
 * the two CPU ratios by 0.040× (at most 0.11×). A difference of a few
 * hundredths needs many runs either way.
 *
 * @module
 */

import * as after from "../mod.ts";
import { fill, lendingMover, moveBySwitchboard, startRawReceiver } from "./bytes.ts";
import { cpuMs } from "./cpu_time.ts";
import type { BenchProtocol } from "./protocol.ts";

type Library = typeof after;

const [otherDir, sizeArg, blockArg, blocksArg] = Deno.args;
if (!otherDir) {
  throw new TypeError("usage: bytes_ab.ts <other checkout, or -> [MiB] [block MiB] [blocks]");
}
const other = otherDir === "-" ? undefined : new URL(`file://${await Deno.realPath(otherDir)}/`);
const before: Library | undefined = other && await import(new URL("mod.ts", other).href);
const size = Number(sizeArg ?? 4) * 1024 * 1024;
const block = Number(blockArg ?? 256) * 1024 * 1024;
const blocks = Number(blocksArg ?? 4);
const count = Math.round(block / size);
const bytes = fill(size);

await using stack = new AsyncDisposableStack();
const raw = stack.use(await startRawReceiver(false));
const start = async (library: Library, worker: URL) =>
  stack.use(await library.Cluster.start<BenchProtocol>({ worker, workers: 1 }));
/** A contender: its name, how it moves a block, and its receiver's pid. */
const contenders: [string, () => Promise<number>, number][] = [
  ["raw", () => raw.move(bytes, count), raw.pid],
];
const WORKER = new URL("./switchboard_worker.ts", import.meta.url);
for (
  const [name, library, worker] of [
    ...(before && other ? [["before", before, new URL("bench/switchboard_worker.ts", other)]] : []),
    ["after", after, WORKER],
  ] as [string, Library, URL][]
) {
  const cluster = await start(library, worker);
  // Either checkout's cluster moves the bytes the same way.
  contenders.push([
    name,
    () => moveBySwitchboard(cluster as after.Cluster<BenchProtocol>, bytes, count),
    cluster.pid(0)!,
  ]);
}
const lending = await start(after, WORKER);
const lend = lendingMover(lending);
contenders.push(["lend", () => lend(bytes, count), lending.pid(0)!]);
for (const [, move] of contenders) await move();
/** What each contender spent over its blocks: seconds, and the CPU ms of its sender and receiver. */
const spent = new Map(contenders.map(([name]) => [name, { seconds: 0, sender: 0, receiver: 0 }]));
for (let i = 0; i < blocks; i++) {
  // The Switchboard contenders take turns going first after raw. Always in one order,
  // with the same code on both sides at 1 MiB, the one going second came out
  // ahead by 0.014× and 0.020× raw on average (bytes per CPU second, two
  // batches of 10 runs); taking turns, by -0.008×.
  const [floor, ...others] = contenders;
  for (const [name, move, receiver] of i % 2 === 0 ? contenders : [floor, ...others.reverse()]) {
    const total = spent.get(name)!;
    // The sender is this process, whichever contender moves the block.
    const [senderBefore, receiverBefore] = [cpuMs(Deno.pid), cpuMs(receiver)];
    total.seconds += await move();
    total.sender += cpuMs(Deno.pid) - senderBefore;
    total.receiver += cpuMs(receiver) - receiverBefore;
  }
}
const moved = blocks * count * size;
const megabytesPerSecond = (name: string) => moved / 1e6 / spent.get(name)!.seconds;
/** Bytes per CPU second, sender and receiver together, over raw's. */
const cpuRatio = (name: string) => {
  const total = (of: string) => spent.get(of)!.sender + spent.get(of)!.receiver;
  return total("raw") / total(name);
};
const cells = contenders.map(([name]) => {
  const value = megabytesPerSecond(name);
  const ratio = name === "raw" ? "" : ` (${(value / megabytesPerSecond("raw")).toFixed(2)}× raw)`;
  return `${name} ${value.toFixed(0)}${ratio}`;
});
const gib = moved / 1024 ** 3;
const costs = contenders.map(([name]) => {
  const { sender, receiver } = spent.get(name)!;
  const ratio = name === "raw" ? "" : ` (${cpuRatio(name).toFixed(2)}× raw)`;
  return `${name} ${(sender / gib).toFixed(0)} + ${(receiver / gib).toFixed(0)}${ratio}`;
});
console.log(`${size / 1024 / 1024} MiB, MB/s: ${cells.join(", ")}`);
console.log(`${size / 1024 / 1024} MiB, CPU ms per GiB, sender + receiver: ${costs.join(", ")}`);
