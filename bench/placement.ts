/**
 * Where the bench's processes run: pinned to one core, or wherever the
 * scheduler puts them. Pinned, a round trip never waits for another core
 * to wake up, so the figures show the software path alone; unpinned is how
 * users run it. The bench measures both in one run, by moving its own
 * process and every descendant (`taskset -a -p`, all threads) between the
 * two.
 *
 * @module
 */

/** The cores every process may run on: `0` (pinned) or all of them. */
export type Placement = "pinned" | "unpinned";

/** Moves this process and all its descendants, every thread, to `placement`. */
export async function place(placement: Placement): Promise<void> {
  const cores = placement === "pinned" ? "0" : `0-${navigator.hardwareConcurrency - 1}`;
  for (const pid of [Deno.pid, ...await descendants(Deno.pid)]) {
    // A process may have exited meanwhile: nothing to place.
    await new Deno.Command("taskset", {
      args: ["-a", "-cp", cores, String(pid)],
      stdout: "null",
      stderr: "null",
    })
      .output();
  }
}

/** Every process below `root`, at any depth. */
async function descendants(root: number): Promise<number[]> {
  const { stdout } = await new Deno.Command("ps", { args: ["-e", "-o", "pid=,ppid="] }).output();
  const children = new Map<number, number[]>();
  for (const line of new TextDecoder().decode(stdout).trim().split("\n")) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const visit = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(root);
  return found;
}
