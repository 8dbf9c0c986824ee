/**
 * Scenario 4: request() does the messageId work; handle() answers; errors
 * and timeouts come back typed. Run:
 * `deno run --allow-run --allow-read=/tmp --allow-write=/tmp --allow-net examples/request.ts`
 *
 * @module
 */

import { Cluster, NoHandlerError, RemoteError, TimeoutError } from "../mod.ts";
import type { Protocol } from "./protocol.ts";

export async function main(): Promise<void> {
  await using cluster = await Cluster.start<Protocol>({
    worker: new URL("./worker.ts", import.meta.url),
    workers: 2,
  });

  const echo = await cluster.request("echoRequest", { text: "hello" }, { to: 1, timeout: 30_000 });
  console.log("echo:", echo);
  console.log("10 / 4 =", await cluster.request("divideRequest", { a: 10, b: 4 }, { to: 0 }));

  try {
    await cluster.request("divideRequest", { a: 1, b: 0 }, { to: 0 });
  } catch (error) {
    if (!(error instanceof RemoteError)) throw error;
    console.log(`worker 0 threw ${error.remoteName}: ${error.remoteMessage}`);
  }
  try {
    await cluster.request("napRequest", { ms: 1_000 }, { to: 1, timeout: 100 });
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    console.log(error.message);
  }
  try {
    await cluster.request("unhandledRequest", undefined, { to: 1 });
  } catch (error) {
    if (!(error instanceof NoHandlerError)) throw error;
    console.log("answered at once:", error.message);
  }
}

if (import.meta.main) await main();
