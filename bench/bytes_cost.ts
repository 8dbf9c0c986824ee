/**
 * Scenario 9's cost per byte, beside its MB/s: the CPU time the sender and
 * the receiver spend per GB, and the page faults the receiver takes per
 * MB, Switchboard against the raw receiver that reads each array into a
 * fresh one. Side by side in one run, in alternating blocks. CPU time is
 * what the software costs whatever the scheduler does with two processes
 * on two cores, and the faults show the fresh memory that dominates
 * scenario 9's MB/s (see README, Performance).
 *
 * `deno run -A bench/bytes_cost.ts [MiB] [kept]`: arrays of 4 MiB unless
 * told, 1 GiB per contender; with `kept`, the receivers' glibc keeps freed
 * memory, as in scenario 9's second half. Reads `/proc/<pid>/stat`, so
 * Linux only.
 *
 * @module
 */

import { Cluster } from "../mod.ts";
import {
  fill,
  KEEP_FREED_MEMORY,
  moveBySwitchboard,
  type Mover,
  startRawReceiver,
  withEnvironment,
} from "./bytes.ts";
import type { BenchProtocol } from "./protocol.ts";

const WORKER = new URL("./switchboard_worker.ts", import.meta.url);
const BLOCKS = 8;
const BYTES_PER_CONTENDER = 1024 * 1024 * 1024;
/** Linux counts CPU time in ticks of 10 ms. */
const MS_PER_TICK = 10;

/** A process's page faults and CPU time (user and system) so far. */
function usage(pid: number): { faults: number; cpuMs: number } {
  // The fields after the command's closing parenthesis, from the state on.
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return {
    faults: Number(fields[7]),
    cpuMs: (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK,
  };
}

/** What one contender spent over all its blocks. */
interface Spent {
  seconds: number;
  receiverFaults: number;
  receiverCpuMs: number;
  senderCpuMs: number;
}

const size = Number(Deno.args[0] ?? 4) * 1024 * 1024;
const kept = Deno.args.includes("kept");
const count = Math.round(BYTES_PER_CONTENDER / size / BLOCKS);
await using stack = new AsyncDisposableStack();
const { cluster, raw } = await withEnvironment(kept ? KEEP_FREED_MEMORY : {}, async () => ({
  cluster: stack.use(await Cluster.start<BenchProtocol>({ worker: WORKER, workers: 1 })),
  raw: stack.use(await startRawReceiver(false)),
}));
const contenders: [string, number, Mover][] = [
  ["raw, fresh arrays", raw.pid, raw.move],
  ["switchboard m→w", cluster.pid(0)!, (bytes, n) => moveBySwitchboard(cluster, bytes, n)],
];
const bytes = fill(size);
for (const [, , move] of contenders) await move(bytes, 4);
const spent = new Map<string, Spent>();
for (let block = 0; block < BLOCKS; block++) {
  for (const [name, pid, move] of contenders) {
    const [receiver, sender] = [usage(pid), usage(Deno.pid)];
    const seconds = await move(bytes, count);
    const [receiverAfter, senderAfter] = [usage(pid), usage(Deno.pid)];
    const total = spent.get(name) ??
      { seconds: 0, receiverFaults: 0, receiverCpuMs: 0, senderCpuMs: 0 };
    total.seconds += seconds;
    total.receiverFaults += receiverAfter.faults - receiver.faults;
    total.receiverCpuMs += receiverAfter.cpuMs - receiver.cpuMs;
    total.senderCpuMs += senderAfter.cpuMs - sender.cpuMs;
    spent.set(name, total);
  }
}
const mb = BLOCKS * count * size / 1e6;
const cpuPerGb = (s: Spent) => (s.receiverCpuMs + s.senderCpuMs) / mb * 1000;
console.log(
  `${size / 1024 / 1024} MiB arrays, ${kept ? "glibc keeping freed memory" : "glibc as it comes"}:`,
);
for (const [name, s] of spent) {
  console.log(
    `  ${name}: ${(mb / s.seconds).toFixed(0)} MB/s; CPU ms per GB: receiver ` +
      `${(s.receiverCpuMs / mb * 1000).toFixed(0)}, sender ${
        (s.senderCpuMs / mb * 1000).toFixed(0)
      }; ` +
      `receiver page faults per MB ${(s.receiverFaults / mb).toFixed(1)}`,
  );
}
const [rawSpent, switchboard] = [...spent.values()];
console.log(
  `  switchboard ÷ raw: MB/s ${(rawSpent.seconds / switchboard.seconds).toFixed(2)}×, ` +
    `bytes per CPU second ${(cpuPerGb(rawSpent) / cpuPerGb(switchboard)).toFixed(2)}×`,
);
