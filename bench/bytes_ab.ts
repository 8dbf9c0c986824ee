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
 * (defaults: 4, 256 and 4). Each run starts fresh processes; run it a few
 * times, as each run's processes settle into a pace of their own.
 *
 * @module
 */

import * as after from "../mod.ts";
import { fill, moveBySwitchboard, startRawReceiver } from "./bytes.ts";
import type { BenchProtocol } from "./protocol.ts";

type Library = typeof after;

const [otherDir, sizeArg, blockArg, blocksArg] = Deno.args;
if (!otherDir) {
  throw new TypeError("usage: bytes_ab.ts <other checkout> [MiB] [block MiB] [blocks]");
}
const other = new URL(`file://${await Deno.realPath(otherDir)}/`);
const before: Library = await import(new URL("mod.ts", other).href);
const size = Number(sizeArg ?? 4) * 1024 * 1024;
const block = Number(blockArg ?? 256) * 1024 * 1024;
const blocks = Number(blocksArg ?? 4);
const count = Math.round(block / size);
const bytes = fill(size);

await using stack = new AsyncDisposableStack();
const raw = stack.use(await startRawReceiver(false));
const start = async (library: Library, worker: URL) =>
  stack.use(await library.Cluster.start<BenchProtocol>({ worker, workers: 1 }));
const contenders: [string, () => Promise<number>][] = [
  ["raw", () => raw.move(bytes, count)],
];
for (
  const [name, library, worker] of [
    ["before", before, new URL("bench/switchboard_worker.ts", other)],
    ["after", after, new URL("./switchboard_worker.ts", import.meta.url)],
  ] as const
) {
  const cluster = await start(library, worker);
  // Either checkout's cluster moves the bytes the same way.
  contenders.push([
    name,
    () => moveBySwitchboard(cluster as after.Cluster<BenchProtocol>, bytes, count),
  ]);
}
for (const [, move] of contenders) await move();
const seconds = new Map(contenders.map(([name]) => [name, 0]));
for (let i = 0; i < blocks; i++) {
  for (const [name, move] of contenders) seconds.set(name, seconds.get(name)! + await move());
}
const megabytesPerSecond = (name: string) => blocks * count * size / 1e6 / seconds.get(name)!;
const cells = contenders.map(([name]) => {
  const value = megabytesPerSecond(name);
  const ratio = name === "raw" ? "" : ` (${(value / megabytesPerSecond("raw")).toFixed(2)}× raw)`;
  return `${name} ${value.toFixed(0)}${ratio}`;
});
console.log(`${size / 1024 / 1024} MiB, MB/s: ${cells.join(", ")}`);
