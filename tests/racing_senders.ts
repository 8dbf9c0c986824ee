/**
 * Two workers of fixtures/racing_sender.ts, and worker 0 killed while
 * worker 1, busy, has yet to hear of it: for what a child sends a sibling
 * that crashed before the sender heard.
 */

import { Cluster } from "../mod.ts";
import { event, fileAppears, waitFor } from "./helpers.ts";

/**
 * Two racing senders that write in `dir`, each restarted `backoff` ms
 * after it crashes (5 times a minute at the most).
 */
export function racingSenders(dir: string, backoff: number): Promise<Cluster> {
  return Cluster.start({
    worker: new URL("./fixtures/racing_sender.ts", import.meta.url),
    workers: 2,
    args: [dir],
    permissions: { read: [dir], write: [dir] },
    restart: { maxRestarts: 5, period: 60_000, backoff },
  });
}

/**
 * Has worker 1 send worker 0 a note once worker 0's socket file is gone,
 * kills worker 0 while worker 1 is busy (it hears nothing meanwhile), and
 * waits until worker 0 exited.
 *
 * @returns What worker 1's `sendMessage` counts, once it sent, and the pid killed.
 */
export async function sendToKilled(
  cluster: Cluster,
  dir: string,
): Promise<{ count: Promise<unknown>; killed: number }> {
  using watcher = Deno.watchFs(dir);
  const count = cluster.request("sendWhenGoneRequest", {
    to: 0,
    path: `${cluster.socketDir}/w0.sock`,
  }, { to: 1 });
  await waitFor(fileAppears(watcher, "busy"), "worker 1 to be busy");
  const killed = cluster.pid(0)!;
  const exited = event(cluster, "exit", 0);
  Deno.kill(killed, "SIGKILL");
  await waitFor(exited, "worker 0 to exit");
  return { count, killed };
}
