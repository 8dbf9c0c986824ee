/**
 * Scenario 13: a service in another language. The manager starts a Node.js
 * program as the service "shouter" (`command`), which speaks the protocol
 * through the reference peer in peers/node/. It greets the manager, and
 * the manager asks it something.
 * Run: `deno run --allow-run --allow-read=/tmp --allow-write=/tmp --allow-net examples/node_service.ts`
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { Cluster } from "../mod.ts";

type Shouts = {
  shoutRequest: { text: string };
  shoutResponse: { text: string; from: number | string };
  hello: { runtime: string };
};

export async function main(): Promise<void> {
  const script = fileURLToPath(new URL("./node_service.mjs", import.meta.url));
  const hello = Promise.withResolvers<Shouts["hello"]>();
  await using cluster = await Cluster.start<Shouts, "shouter">({
    workers: 0,
    processes: { shouter: { command: ["node", script] } },
    ready: false,
  });
  cluster.on("hello", (data) => hello.resolve(data));
  cluster.ready();
  console.log(`shouter runs on ${(await hello.promise).runtime}`);
  const answer = await cluster.request("shoutRequest", { text: "hello from deno" }, {
    to: "shouter",
  });
  console.log(`shouter answered ${answer.from}: ${answer.text}`);
}

if (import.meta.main) await main();
