/**
 * At the cluster's start a child's siblings start alongside it: a message
 * to one that does not listen yet is held, in order with what follows it,
 * until its manager says it does.
 */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions } from "../mod.ts";
import { fileAppears, serviceIn, waitFor } from "./helpers.ts";

/** Nothing listens at a gated child until `open` appears in `dir`. */
const gated = (dir: string) => ({ ...serviceIn(dir, "gated_service.ts"), args: [dir, "first"] });
const sender = (dir: string, whom: "gated" | "workers") => ({
  ...serviceIn(dir, "early_sender.ts"),
  args: [dir, whom],
});

/**
 * Starts a cluster in a directory of its own, in which an early sender
 * sends to gated children (see `fixtures/early_sender.ts`): returns what
 * its sends counted while every gate was shut, then opens the gates and
 * returns the notes each gated child got, and the files named in `also`
 * (written before the notes).
 */
async function sendEarly(
  options: (dir: string) => ClusterOptions,
  also: string[] = [],
): Promise<{ sent: unknown; notes: unknown; files: unknown[] }> {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-early-" });
  const read = async (name: string): Promise<unknown> =>
    JSON.parse(await Deno.readTextFile(`${dir}/${name}.json`));
  try {
    // Made before the children start, so that nothing they write comes unseen.
    using sentWritten = Deno.watchFs(dir);
    using notesWritten = Deno.watchFs(dir);
    const starting = Cluster.start(options(dir));
    const open = () => Deno.writeTextFile(`${dir}/open`, "");
    let sent;
    try {
      // A start that fails says why here, not as the file's deadline.
      await Promise.race([
        fileAppears(sentWritten, "sent.json"),
        starting.then(() => assert.fail("started with the gate shut")),
      ]);
      sent = await read("sent");
    } finally {
      await open();
    }
    await using _cluster = await waitFor(starting, "the start");
    await fileAppears(notesWritten, "notes.json");
    const notes = await read("notes");
    return { sent, notes, files: await Promise.all(also.map(read)) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("messages to a service that does not listen yet at the start are held for it, in order", async () => {
  const { sent, notes } = await sendEarly((dir) => ({
    workers: 0,
    processes: { gated: gated(dir), sender: sender(dir, "gated") },
  }));
  assert.deepEqual(sent, [1, 1, 1]);
  // The request made after them waited for the service, and came after them.
  assert.deepEqual(notes, [1, 2, 3]);
});

Deno.test("messages held for a sibling go once it listens, before it is ready: one that waits for them to be ready gets them", async () => {
  const { sent, notes } = await sendEarly((dir) => ({
    workers: 0,
    processes: {
      gated: { ...serviceIn(dir, "gated_service.ts"), args: [dir, "first", "readyOnNote"] },
      sender: sender(dir, "gated"),
    },
  }));
  assert.deepEqual(sent, [1, 1, 1]);
  assert.deepEqual(notes, [1, 2, 3]);
});

Deno.test("a broadcast at the start is held for each worker that does not listen yet", async () => {
  const { sent, notes } = await sendEarly((dir) => {
    const { module, args, permissions } = gated(dir);
    return {
      worker: module,
      args,
      permissions,
      workers: 2,
      processes: { sender: sender(dir, "workers") },
    };
  });
  assert.deepEqual(sent, [2, 2, 2]);
  assert.deepEqual(notes, [[1, 2, 3], [1, 2, 3]]);
});

Deno.test("a sibling that asks the sender as it sets up, before it is ready, gets its answer though messages are held for it", async () => {
  const { notes, files } = await sendEarly((dir) => ({
    workers: 0,
    processes: {
      gated: serviceIn(dir, "setup_asking_service.ts"),
      sender: sender(dir, "gated"),
    },
  }), ["config"]);
  // The answer went, the notes held before it ahead of it.
  assert.deepEqual(files, ["config"]);
  assert.deepEqual(notes, [1, 2, 3]);
});

Deno.test("every message held for a sibling, within maxQueuedBytes, reaches it", async () => {
  const { sent, notes } = await sendEarly((dir) => ({
    workers: 0,
    maxFrameSize: 8 * 1024,
    maxQueuedBytes: 16 * 1024,
    processes: {
      gated: gated(dir),
      sender: serviceIn(dir, "filling_sender.ts"),
    },
  }));
  assert.ok(typeof sent === "number" && sent > 10, `counted ${sent}`);
  assert.deepEqual(notes, { count: sent, errors: [] });
});

Deno.test("drain() waits while what is held for a sibling that does not listen yet is over the high-water mark", async () => {
  const { sent, notes } = await sendEarly((dir) => ({
    workers: 0,
    highWaterMark: 1024,
    processes: { gated: gated(dir), sender: serviceIn(dir, "draining_sender.ts") },
  }));
  assert.deepEqual(sent, { to: false, all: false });
  assert.equal(notes, 1);
});

Deno.test("messages are held for a sibling spawned after the sender", async () => {
  const { sent, notes } = await sendEarly((dir) => ({
    workers: 0,
    // The sender first: its siblings are spawned after it.
    processes: { sender: sender(dir, "gated"), gated: gated(dir) },
  }));
  assert.deepEqual(sent, [1, 1, 1]);
  assert.deepEqual(notes, [1, 2, 3]);
});
