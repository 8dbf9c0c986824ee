/**
 * Trial 16: README, Waiting for a replacement: "A request … to a service
 * by name that is reloading or stopping alone, refused by the old process
 * or sent while no process is up, goes to its new process once that is
 * ready"; Failure semantics: a request for a process "exited cleanly to be
 * restarted" waits too. A `command` service that sends no `$leaving` (the
 * protocol does not require it) and is SIGTERM'd alone closes its
 * connection after `$exit`; until the manager has seen its process exit,
 * the manager's requests to it fail at once with UnreachableError "it is
 * not connected". Reloaded (`cluster.reload()`), the same service fails
 * none: the gap is the SIGTERM path's alone.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event, waitFor } from "./helpers.ts";

const SERVICE = new URL("./fixtures/trial16_plain_service.mjs", import.meta.url).pathname;

async function failuresThrough(how: "reload" | "SIGTERM"): Promise<string[]> {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { plain: { command: ["node", SERVICE] } },
  });
  const failures: string[] = [];
  let asking = true;
  const ask = async () => {
    while (asking) {
      try {
        await cluster.request("pingRequest", null, { to: "plain", timeout: 5_000 });
      } catch (error) {
        failures.push((error as Error).message);
        // A task between failures: a loop of rejections at once starves the timers.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
  };
  const loops = [ask(), ask()];
  try {
    const ready = event(cluster, "ready", "plain");
    if (how === "reload") await waitFor(cluster.reload("plain"), "the reload");
    else Deno.kill(cluster.pid("plain")!, "SIGTERM");
    await ready;
    // Answered by the new process: the loops ran through the gap.
    await waitFor(cluster.request("pingRequest", null, { to: "plain" }), "an answer");
  } finally {
    asking = false;
    await Promise.all(loops);
  }
  // What the old process took as it exited may fail, as README says.
  return failures.filter((message) => !message.includes("closed before it answered"));
}

Deno.test("requests to a plain command service being reloaded wait for its new process", async () => {
  assert.deepEqual(await failuresThrough("reload"), []);
});

Deno.test("requests to a plain command service stopping alone on SIGTERM wait for its new process", async () => {
  const failures = await failuresThrough("SIGTERM");
  assert.deepEqual(failures, [], `${failures.length} requests failed, the first: ${failures[0]}`);
});
