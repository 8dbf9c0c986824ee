/**
 * A process's CPU time, every thread's, to the nanosecond, from Linux's
 * `/proc/<pid>/task/<tid>/schedstat`. `/proc/<pid>/stat` counts it in ticks
 * of 10 ms (bench/bytes_cost.ts), too coarse for one block of a few hundred
 * ms; and a block's wall time, pinned, counts the time any other process on
 * the core took as well, which CPU time leaves out (bench/BYTES.md).
 *
 * @module
 */

/**
 * The CPU time `pid` has spent so far, in milliseconds, over the threads
 * it has now (a thread that ended takes its time with it: V8's and the
 * runtime's live as long as the process). Linux only.
 */
export function cpuMs(pid: number): number {
  let nanoseconds = 0;
  for (const { name } of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      // The first field: time spent on the CPU, in ns.
      const schedstat = Deno.readTextFileSync(`/proc/${pid}/task/${name}/schedstat`);
      nanoseconds += Number(schedstat.split(" ")[0]);
    } catch (error) {
      // The thread ended between listing and reading.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return nanoseconds / 1e6;
}
