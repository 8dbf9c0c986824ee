/**
 * The membership bucket: a JetStream key-value bucket, made by the first
 * host to find it missing, opened by the others; and the patience its
 * operations need while a NATS cluster elects its leaders.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/transport-node";
import { type KV, Kvm } from "@nats-io/kv";

/** How the bucket is made: again, the same way, if it is lost. */
export interface Bucket {
  nc: NatsConnection;
  name: string;
  options: { history: number; ttl: number; replicas: number };
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
export function makeBucket({ nc, name, options }: Bucket): Promise<KV> {
  const kvm = new Kvm(nc);
  return kvm.create(name, options).catch(() => kvm.open(name));
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
 * within bounds; past them, the error is the caller's.
 */
export async function patiently<T>(operation: () => Promise<T>): Promise<T> {
  const giveUp = performance.now() + JETSTREAM_PATIENCE;
  for (let pause = 50;; pause = Math.min(pause * 2, 1_000)) {
    try {
      return await operation();
    } catch (error) {
      if (performance.now() + pause > giveUp) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
