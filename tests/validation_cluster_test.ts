/** Schemas between real processes: the manager's and a worker's, each checked where it is. */

import assert from "node:assert/strict";
import { Cluster, type SchemaProtocol, ValidationError } from "../mod.ts";
import { schemas } from "./fixtures/schemas.ts";
import { nextMessage } from "./helpers.ts";

const WORKER = new URL("./fixtures/schema_worker.ts", import.meta.url);
type Protocol = SchemaProtocol<typeof schemas> & { reported: string; notes: { text: string } };

Deno.test("a manager with schemas refuses bad data before sending; good data is answered", async () => {
  await using cluster = await Cluster.start<Protocol>({ worker: WORKER, workers: 1, schemas });
  await assert.rejects(
    cluster.request("saveRequest", { name: "" }, { to: 0 }),
    (error: unknown) =>
      error instanceof ValidationError &&
      /^Data of "saveRequest" to worker 0 failed its schema: data\.name: /.test(error.message),
  );
  assert.deepEqual(await cluster.request("saveRequest", { name: "four" }, { to: 0 }), { id: 4 });
});

Deno.test("a worker with schemas refuses what a manager without them sends, and says so", async () => {
  // This manager checks nothing: what it sends is checked by the worker only.
  await using cluster = await Cluster.start({ worker: WORKER, workers: 1 });
  await assert.rejects(
    cluster.request("saveRequest", { name: 5 }, { to: 0 }),
    (error: unknown) =>
      error instanceof ValidationError &&
      /^Request "saveRequest" to worker 0 failed: Data of "saveRequest" from the manager failed its schema: data\.name: Expected string, received number$/
        .test(error.message),
  );
  const reported = nextMessage(cluster, "reported");
  cluster.sendMessage("note", { text: ["not", "text"] }, 0);
  assert.match(
    String((await reported).data),
    /^ValidationError: Data of "note" from the manager failed its schema: data\.text/,
  );
  const note = nextMessage(cluster, "notes");
  cluster.sendMessage("note", { text: "fine" }, 0);
  assert.deepEqual((await note).data, { text: "fine" });
});
