/**
 * Start-up of this checkout against another one (scenario 6 only), side by
 * side and interleaved with the bare children, to check a start-up change
 * under the same machine noise. Not part of `deno task bench`.
 *
 * `git worktree add /tmp/before HEAD~1`, then
 * `deno run -A bench/startup_ab.ts /tmp/before [repetitions]`
 *
 * @module
 */

import { timeBareChildren, timeClusterStart } from "./startup.ts";
import * as after from "../mod.ts";

type Library = typeof after;

const [otherDir, repetitionArg] = Deno.args;
if (!otherDir) throw new TypeError("usage: startup_ab.ts <other checkout> [repetitions]");
const other = new URL(`file://${await Deno.realPath(otherDir)}/`);
const before: Library = await import(new URL("mod.ts", other).href);
const contenders: [string, Library, URL][] = [
  ["before", before, new URL("bench/startup_worker.ts", other)],
  ["after", after, new URL("./startup_worker.ts", import.meta.url)],
];
const repetitions = Number(repetitionArg ?? 9);
const workerCounts = [1, 4, 8];

await timeBareChildren(1);
for (const [, library, worker] of contenders) {
  await timeClusterStart(1, { worker, cluster: library.Cluster });
}
const ratios = new Map(contenders.map(([name]) => [name, workerCounts.map((): number[] => [])]));
for (let repetition = 0; repetition < repetitions; repetition++) {
  for (const [i, workers] of workerCounts.entries()) {
    const bare = await timeBareChildren(workers);
    for (const [name, library, worker] of contenders) {
      const elapsed = await timeClusterStart(workers, { worker, cluster: library.Cluster });
      ratios.get(name)![i].push(elapsed / bare);
    }
  }
}
const median = (values: number[]) => values.toSorted((a, b) => a - b)[values.length >> 1];
for (const [i, workers] of workerCounts.entries()) {
  const cells = contenders.map(([name]) => `${name} ${median(ratios.get(name)![i]).toFixed(3)}×`);
  console.log(`${workers} worker(s), ÷ bare children: ${cells.join("  ")}`);
}
