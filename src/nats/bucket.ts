/**
 * The membership bucket: a JetStream key-value bucket, made by the first
 * host to find it missing, opened by the others; and the patience its
 * operations need while a NATS cluster elects its leaders.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { SwitchboardError } from "../errors.ts";

/** How the bucket is made: again, the same way, if it is lost. */
export interface Bucket {
  nc: NatsConnection;
  name: string;
  options: { history: number; ttl: number; replicas: number };
  /**
   * How long each of its operations may wait for an answer, in ms: an
   * answer lost as the connection dropped is not waited for past it (the
   * client's 5 s outlived the keys' refreshes, and the others dropped a
   * host that was away a moment).
   */
  timeout: number;
}

/** How long to wait for JetStream to answer, at most, when the servers just started. */
const JETSTREAM_PATIENCE = 10_000;

/** The cluster's bucket: made, or opened if another host made it; patiently, when joining. */
export function openBucket(bucket: Bucket): Promise<KV> {
  return patiently(() => makeBucket(bucket));
}

/**
 * The bucket made, or opened if it is there; one attempt. (A member's
 * attempts are its heartbeats, which end as it leaves: no timer outlives it.)
 */
export async function makeBucket({ nc, name, options, timeout }: Bucket): Promise<KV> {
  const kvm = new Kvm(jetstream(nc, { timeout }));
  try {
    return await kvm.create(name, options);
  } catch (error) {
    // There, made by another host (its settings are checked apart). Not
    // there (opening never asks): why it could not be made is what tells.
    const kv = await kvm.open(name);
    await kv.status().catch(() => Promise.reject(error));
    return kv;
  }
}

/**
 * Checks that the bucket keeps keys as long, and in as many copies, as this
 * host would have made it: the first host to join made it, and hosts that
 * set `heartbeat`, `hostTimeout` or `replicas` apart would take each other
 * for gone, or claim each other's addresses.
 *
 * @throws {SwitchboardError} When they differ.
 */
export async function sameSettings(
  kv: KV,
  options: Bucket["options"],
  cluster: string,
): Promise<void> {
  const { ttl, replicas } = await patiently(() => kv.status());
  if (ttl === options.ttl && replicas === options.replicas) return;
  throw new SwitchboardError(
    `Cannot join cluster "${cluster}": its hosts keep their keys ${ttl} ms (hostTimeout + heartbeat) in ${replicas} copies (replicas), where this host would keep them ${options.ttl} ms in ${options.replicas}: every host of a cluster sets the same heartbeat, hostTimeout and replicas`,
  );
}

/**
 * Whether a write failed because the bucket is gone: nothing stores its
 * subjects any more, which the client reports as JetStream not enabled.
 */
export function isBucketGone(error: unknown): boolean {
  return /jetstream is not enabled|stream not found/i.test(String(error));
}

/**
 * Runs a JetStream operation, and again after a pause when it fails: a
 * NATS cluster that just started, or just lost a server, answers "not
 * available" or "not found" until it has elected its leaders. Waited out
 * within bounds, and until `signal` aborts (no pause outlives it); past
 * them, the error is the caller's.
 */
export async function patiently<T>(operation: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const giveUp = performance.now() + JETSTREAM_PATIENCE;
  for (let pause = 50;; pause = Math.min(pause * 2, 1_000)) {
    try {
      return await operation();
    } catch (error) {
      if (signal?.aborted || isFinal(error) || performance.now() + pause > giveUp) throw error;
      await pauseFor(pause, signal);
    }
  }
}

/** Resolves after `ms`, or as `signal` aborts: no timer outlives it. */
export function pauseFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

/**
 * Whether JetStream refused what it will never do (`replicas: 3` on a
 * server that is not in a cluster): asked again, it answers the same.
 */
function isFinal(error: unknown): boolean {
  return /not supported/i.test(String(error));
}
