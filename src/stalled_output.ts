/**
 * A manager whose labelled output its own stdout or stderr does not take
 * (a supervisor's log pipe that stalled): once its cluster stopped, the
 * write in flight would keep the process alive for ever, as Deno cannot
 * cancel a write. So the code that follows the stop gets `stopTimeout`, as
 * each phase of the stop did, and the process then exits (code 0: the stop
 * itself went well) if that write still waits.
 *
 * @module
 */

import { longestWrite } from "./labelled_output.ts";

/** After a cluster stopped: exits in `ms` if a labelled write has waited that long by then. */
export function exitIfOutputStalls(ms: number): void {
  if (longestWrite() === 0) return;
  // Unref'd: a process that can end by itself ends before.
  Deno.unrefTimer(setTimeout(() => {
    if (longestWrite() >= ms) Deno.exit(0);
  }, ms));
}
