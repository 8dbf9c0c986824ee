/**
 * README (Processes in other languages): a service gives `module` or
 * `command`, not both, and `permissions`, `flags` and `args` are Deno's,
 * refused beside a command. `ServiceOptions` had every field optional, so
 * each of those shapes passed `deno check` and failed only at run time,
 * as `Cluster.start()` rejected it (trial 20). The function below is
 * checked by `deno check`, never run: each `@ts-expect-error` line must be
 * a type error; the test checks that the run time refuses the same.
 */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions, type ServiceOptions } from "../mod.ts";

export function serviceShapes(): ServiceOptions[] {
  return [
    { module: "./db.ts", permissions: { read: ["./data"] }, flags: ["--quiet"], args: ["-v"] },
    { module: new URL("file:///srv/db.ts") },
    { command: ["node", "svc.mjs"] },
    // @ts-expect-error: both a module and a command
    { module: "./db.ts", command: ["node", "svc.mjs"] },
    // @ts-expect-error: neither
    {},
    // @ts-expect-error: Deno's permissions beside a command
    { command: ["node", "svc.mjs"], permissions: { read: true } },
    // @ts-expect-error: Deno's flags beside a command
    { command: ["node", "svc.mjs"], flags: ["--quiet"] },
    // @ts-expect-error: arguments go in the command
    { command: ["node", "svc.mjs"], args: ["-v"] },
  ];
}

export function inProcesses(): ClusterOptions<"db"> {
  // @ts-expect-error: in `processes` too
  return { workers: 0, processes: { db: { module: "./db.ts", command: ["node", "db.mjs"] } } };
}

Deno.test("Cluster.start() refuses at run time the service shapes its types refuse", async () => {
  const refused = serviceShapes().slice(3);
  assert.equal(refused.length, 5);
  for (const service of refused) {
    await assert.rejects(
      Cluster.start({ workers: 0, processes: { svc: service } }),
      TypeError,
      Deno.inspect(service),
    );
  }
});
