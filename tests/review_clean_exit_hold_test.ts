/**
 * Review: a message held for a sibling that exited cleanly to be restarted
 * (its own `Deno.exit(0)`, no reload, no SIGTERM) goes to its next process
 * (README, Failure semantics: "a child's message to a sibling being
 * replaced (reloaded, stopping alone, or exited cleanly to be restarted),
 * once the old process cannot take it, is held for the new one"). Since
 * 91099c3 the sender's news of it is "listens" as soon as the manager
 * answers its `$sync`, and the manager holds that answer only for a child
 * it reloads or stops alone (`HeldSyncs.replacing`), not for one that
 * exited on its own: the message is sent at once, to nobody, and reported
 * lost ("it is not connected").
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event, remote, WAIT, waitFor, WORKER } from "./helpers.ts";

const QUITTER = new URL("./fixtures/clean_quitting_service.ts", import.meta.url);

Deno.test("a message held for a sibling that exited cleanly to be restarted goes to its next process", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    processes: { svc: QUITTER },
    // Long enough that worker 0 sends while no process of svc runs.
    restart: { backoff: 1000 },
  });
  const saw = Promise.withResolvers<unknown>();
  cluster.on("serviceSaw", (data) => {
    if ((data as { action?: string }).action === "note") saw.resolve(data);
  });
  const exited = event(cluster, "exit", "svc");
  const ready = event(cluster, "ready", "svc");
  cluster.sendMessage("quit", {}, "svc");
  assert.deepEqual(await waitFor(exited, "svc's exit"), {
    type: "exit",
    address: "svc",
    code: 0,
    signal: null,
    restart: true,
  });
  // Worker 0 heard the exit (the event went before this request): svc is being replaced.
  const sent = await remote(cluster, 0, { op: "send", action: "note", data: 1, to: "svc" });
  assert.deepEqual(sent, { ok: 1 }, "held for svc's next process, and counted");
  await waitFor(ready, "svc's next process to be ready");
  const lost = remote(cluster, 0, { op: "errors", atLeast: 1 }).then((errors) => ({ errors }));
  const outcome = await waitFor(
    Promise.race([saw.promise.then((data) => ({ data })), lost]),
    "svc's next process to get the note, or worker 0 to be told it was lost",
    WAIT,
  );
  assert.ok("data" in outcome, `worker 0 reported it lost: ${JSON.stringify(outcome)}`);
});
