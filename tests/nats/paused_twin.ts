/**
 * The setup of the paused-twin tests: host "b" run as a process with one
 * worker, this process as host "a" with one; b's manager is paused until
 * a sees it leave and its key of worker 0 expires, and a new process of
 * host "b" takes worker 0; run again, the old b finds its keys taken and
 * leaves.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { type Cluster, managerOf } from "../../mod.ts";
import type { ManagerRun } from "../manager_run.ts";
import { waitFor } from "../helpers.ts";
import { event, expired, joinHere, knowsWorkers, NATS, startHost, uniqueCluster } from "./hosts.ts";

/** Host "b" (a process, worker 0) and this process as host "a" (worker 1), both ready. */
export async function twoHosts(): Promise<
  { cluster: string; oldB: ManagerRun; a: Cluster } & AsyncDisposable
> {
  const cluster = uniqueCluster();
  const oldB = startHost({ cluster, host: "b", workers: 1 });
  try {
    await oldB.ready();
    const a = await joinHere(cluster, "a", { workers: 1 });
    return {
      cluster,
      oldB,
      a,
      async [Symbol.asyncDispose]() {
        await a.stop();
        await oldB[Symbol.asyncDispose]();
      },
    };
  } catch (error) {
    await oldB[Symbol.asyncDispose]();
    throw error;
  }
}

/**
 * Pauses the old b's manager until `a` has seen it leave, runs `whilePaused`,
 * then, once its key of worker 0 expired, starts a new host "b", which
 * takes worker 0, and resolves with it once `a` knows its worker.
 */
export async function pauseUntilReplaced(
  { cluster, oldB, a }: { cluster: string; oldB: ManagerRun; a: Cluster },
  whilePaused: () => Promise<unknown> = () => Promise.resolve(),
): Promise<ManagerRun> {
  const left = event(a, "hostLeft", managerOf("b"));
  Deno.kill(oldB.process.pid, "SIGSTOP");
  await waitFor(left, "a to see b leave");
  await whilePaused();
  await expired(cluster, "w.0");
  const newB = startHost({ cluster, host: "b", workers: 1 });
  try {
    assert.deepEqual((await newB.next("ready") as { workers: number[] }).workers, [0]);
    await knowsWorkers(a, 2);
    return newB;
  } catch (error) {
    await newB[Symbol.asyncDispose]();
    throw error;
  }
}

/**
 * Runs the old b again, and resolves once it has left: its last publish, the
 * delete of its host key, has been read here, and so has whatever it
 * published before it to the subjects `listen` subscribes to on the same
 * connection (a publisher's messages come in the order it sent them).
 */
export async function resumeUntilLeft(
  { cluster, oldB }: { cluster: string; oldB: ManagerRun },
  listen: (nc: Awaited<ReturnType<typeof connect>>) => void = () => {},
): Promise<void> {
  const nc = await connect({ servers: NATS });
  try {
    const deleted = Promise.withResolvers<void>();
    listen(nc);
    // The new b's writes are no deletes.
    nc.subscribe(`$KV.switchboard_${cluster}.h.b`, {
      callback: (_, message) => {
        if (message.headers?.get("KV-Operation") === "DEL") deleted.resolve();
      },
    });
    await nc.flush();
    Deno.kill(oldB.process.pid, "SIGCONT");
    await waitFor(deleted.promise, "the old b to leave");
  } finally {
    await nc.close();
  }
}
