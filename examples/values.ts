/**
 * Scenario 11: values beyond JSON. The manager sends a worker 4 MiB of
 * bytes and a Date, which arrive as a Uint8Array (raw bytes beside the
 * JSON, no base64) and a Date; the worker answers with the SHA-256 as
 * bytes. A class instance, which would arrive as a plain object, is
 * refused before anything is sent.
 * Run: `deno run --allow-run --allow-read=/tmp --allow-write=/tmp --allow-net examples/values.ts`
 *
 * @module
 */

import { Cluster, FrameError } from "../mod.ts";
import type { Protocol } from "./protocol.ts";

export async function main(): Promise<void> {
  await using cluster = await Cluster.start<Protocol>({
    worker: new URL("./worker.ts", import.meta.url),
    workers: 1,
  });
  const file = new Uint8Array(4 * 1024 * 1024).map((_, i) => i % 251);
  const answer = await cluster.request("digestRequest", { file, sent: new Date() }, { to: 0 });
  const hex = Array.from(answer.sha256.subarray(0, 8), (b) => b.toString(16).padStart(2, "0"));
  console.log(
    `worker ${answer.worker} got ${answer.bytes} bytes ${answer.lateMs} ms after they were sent; ` +
      `SHA-256 ${hex.join("")}…`,
  );
  class Point {
    constructor(readonly x: number) {}
  }
  try {
    cluster.sendMessage("test", { time: new Point(1) as unknown as number }, 0);
  } catch (error) {
    if (!(error instanceof FrameError)) throw error;
    console.log(`refused: ${error.message}`);
  }
}

if (import.meta.main) await main();
