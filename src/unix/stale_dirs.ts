/**
 * Sweeping up after managers that were killed: a manager killed with
 * SIGKILL cannot remove its socket directory, so the next one to start on
 * the host removes the directories whose manager no longer listens.
 *
 * @module
 */

import { MANAGER } from "../address.ts";
import { isListening } from "./acceptor.ts";
import { Sockets } from "./sockets.ts";

/** The prefix of every cluster's socket directory. */
export const DIR_PREFIX = "switchboard-";
/**
 * A socket refuses a connection for an instant between its file being made
 * and its process listening: a manager's counts as dead only when it still
 * refuses this many ms later.
 */
const RECHECK_MS = 100;
/**
 * A directory with no manager socket is a manager starting, which makes
 * its socket within milliseconds; one this many ms old never got that far
 * (killed in between).
 */
export const UNBORN_MS = 60_000;

/**
 * Removes, from `parent`, the socket directories of managers that no longer
 * run: those whose manager socket file nobody listens at any more, and
 * those that never got one. Best effort: what cannot be read or removed is
 * left as it is.
 *
 * @returns The directories removed.
 */
export async function removeStaleDirs(parent: string): Promise<string[]> {
  const removed: string[] = [];
  try {
    for await (const entry of Deno.readDir(parent)) {
      if (!entry.isDirectory || !entry.name.startsWith(DIR_PREFIX)) continue;
      const dir = `${parent}/${entry.name}`;
      // One at a time: before, the first that could not be removed (another
      // user's, in a shared /tmp) ended the sweep, and the rest stayed.
      try {
        if (await isStale(dir)) {
          await Deno.remove(dir, { recursive: true });
          removed.push(dir);
        }
      } catch {
        // Not ours to remove, or gone meanwhile.
      }
    }
  } catch {
    // Not ours to read.
  }
  return removed;
}

async function isStale(dir: string): Promise<boolean> {
  const socket = new Sockets({ dir, token: "", workers: [], services: [] }).path(MANAGER);
  try {
    if (!(await Deno.lstat(socket)).isSocket) return false;
  } catch (error) {
    // Only a socket that is not there says the manager never got that far:
    // one this process may not look at (another user's directory, mode
    // 0700) says nothing, and may be a live cluster's.
    if (!(error instanceof Deno.errors.NotFound)) return false;
    return await neverGotASocket(dir);
  }
  // A manager that cannot tell (it may not connect there: it lacks the
  // permission, say) leaves the directory, which may be a live cluster's.
  try {
    if (await isListening(socket)) return false;
    await new Promise((resolve) => setTimeout(resolve, RECHECK_MS));
    return !(await isListening(socket));
  } catch {
    return false;
  }
}

/** Whether a directory without a manager socket is too old to be a manager starting. */
async function neverGotASocket(dir: string): Promise<boolean> {
  try {
    const { mtime } = await Deno.stat(dir);
    return mtime !== null && Date.now() - mtime.getTime() > UNBORN_MS;
  } catch {
    return false;
  }
}
