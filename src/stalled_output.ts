/**
 * A manager whose labelled output its own stdout or stderr does not take
 * (a supervisor's log pipe that stalled): once its cluster stopped, the
 * write in flight would keep the process alive for ever, as Deno cannot
 * cancel a write. So the code that follows the stop gets `stopTimeout`, as
 * each phase of the stop did, and the process then exits if that write
 * still waits: with `Deno.exitCode`, as it would have, 0 unless its code
 * set another (a run that failed).
 *
 * The manager's streams are the process's, shared by every cluster in it:
 * while another cluster still runs (or one started since), the write that
 * waits may be its, and the process is its too, so it does not exit.
 *
 * @module
 */

import { longestWrite } from "./labelled_output.ts";

/** The managers of this process that have not stopped yet. */
let running = 0;

/** A manager of this process began: none exits the process under it. */
export function managerBegan(): void {
  running++;
}

/**
 * A manager stopped: once none runs, exits in `ms` if a labelled write has
 * waited that long by then and none began since.
 */
export function exitIfOutputStalls(ms: number): void {
  running--;
  if (running > 0 || longestWrite() === 0) return;
  // Unref'd: a process that can end by itself ends before.
  Deno.unrefTimer(setTimeout(() => {
    if (running === 0 && longestWrite() >= ms) Deno.exit();
  }, ms));
}
