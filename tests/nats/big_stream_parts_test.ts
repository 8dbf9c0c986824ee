/**
 * A worker streaming large parts to another host's fast consumer, with
 * the default settings: the 16 parts its consumer granted (900 KB each)
 * came to its manager at once, over the 8 MiB window to that host, and the
 * part that did not fit was refused to the worker, whose handler stopped;
 * the consumer was told nothing, and waited out its timeout for the next
 * part. On one host the same stream goes whole. A worker's answers to
 * another host (its parts, its responses) now wait in its manager for
 * room in the window, in order, as much as they hold; they are bounded by
 * what the other host asked for. Found by trial 21.
 */

import assert from "node:assert/strict";
import { remote, waitFor } from "../helpers.ts";
import {
  joinHere,
  knowsWorkers,
  natsAnswers,
  startHost,
  uniqueCluster,
  workersOf,
} from "./hosts.ts";

async function partsOf(stream: AsyncIterable<unknown>): Promise<number[]> {
  const parts: number[] = [];
  for await (const part of stream) parts.push((part as { i: number }).i);
  return parts;
}

Deno.test({
  name: "a worker's stream of parts larger than the window can hold at once reaches " +
    "another host whole, to a manager and to a worker",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    // Host b a process of its own, as on another machine: its manager reads as the parts come.
    await using b = startHost({ cluster, host: "b", workers: 1 });
    await b.ready();
    // The first host takes worker 0.
    const onB = 0;
    await using a = await joinHere(cluster, "a", { workers: 1 });
    await knowsWorkers(a, 2);
    const [onA] = workersOf(a);
    const count = 40;
    const asked = { count, size: 900_000 };
    const stream = a.requestStream("countStream", asked, { to: onB, timeout: 10_000 });
    const whole = Array.from({ length: count }, (_, i) => i);
    assert.deepEqual(await waitFor(partsOf(stream), "the stream to the manager", 30_000), whole);
    const fromWorker = await waitFor(
      remote(a, onA, { op: "consumeStream", to: onB, count, size: asked.size }),
      "the stream to worker 1",
      30_000,
    );
    assert.deepEqual(fromWorker, { ok: whole.reduce((sum, i) => sum + i) });
  },
});
