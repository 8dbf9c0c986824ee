/**
 * A message relayed between hosts travels inside a relay frame, behind a
 * head of up to 257 bytes, and hosts may set `maxFrameSize` apart. Such a
 * frame must never be over the limit of the connection it goes on: the
 * far end would cut the connection, and the child, whose connection to its
 * manager is its life, would exit. Too large is refused to the sender.
 */

import assert from "node:assert/strict";
import type { LifecycleEvent } from "../../mod.ts";
import { encodeMessage } from "../../src/codec.ts";
import { remote, WAIT } from "../helpers.ts";
import { bThenHere, joinHere, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;
const MAX_FRAME_SIZE = 64 * 1024;

/** How many bytes of data (x's, the remote-control op "sendBytes") make a "test" message of `size`. */
function bytesFor(size: number): number {
  return size - (encodeMessage({ action: "test", data: "" }, Infinity, 0) as string).length;
}

/**
 * Host b (worker 0, frames as large as the default), then host a here
 * (worker 1, 64 KiB frames), and the exits a's manager sees.
 */
async function twoHosts() {
  const cluster = uniqueCluster();
  const b = startHost({ cluster, host: "b", workers: 1 });
  const hosts = await bThenHere(
    b,
    () => joinHere(cluster, "a", { workers: 1, maxFrameSize: MAX_FRAME_SIZE }),
  );
  const exits: LifecycleEvent[] = [];
  hosts.a.onLifecycle((event) => {
    if (event.type === "exit") exits.push(event);
  });
  return { ...hosts, exits };
}

Deno.test({
  name: "a message to another host that fits a frame only without its relay head is refused " +
    "to the worker that sends it, which stays connected",
  ignore,
  async fn() {
    await using hosts = await twoHosts();
    const { a, exits } = hosts;
    const pid = await remote(a, 1, { op: "pid" });
    // Within maxFrameSize, but not with the head of the FORWARD frame it goes in.
    const bytes = bytesFor(MAX_FRAME_SIZE - 1);
    const sent = await remote(a, 1, { op: "sendBytes", bytes, to: 0 });
    assert.deepEqual(sent, {
      error: {
        name: "FrameError",
        message: 'Cannot send "test" to worker 0: the message is over the ' +
          `${
            MAX_FRAME_SIZE - 257
          }-byte limit of the transport to it (maxFrameSize, less the relay head)`,
      },
    }, "refused at the sender, naming what limits it");
    assert.deepEqual(
      await remote(a, 1, { op: "request", action: "echoRequest", data: "after", to: 0 }),
      { ok: { data: "after", by: 0, from: 1 } },
      "its way to the other host still works",
    );
    assert.deepEqual(await remote(a, 1, { op: "pid" }), pid, "the same process");
    assert.deepEqual(exits, []);
  },
});

Deno.test({
  name: "a message from a host with larger frames, over this host's, is refused to its sender; " +
    "the worker it was for stays connected",
  ignore,
  async fn() {
    await using hosts = await twoHosts();
    const { a, exits } = hosts;
    const pid = await remote(a, 1, { op: "pid" });
    // Host b's frames take it, and NATS too (1 MiB); host a's 64 KiB frames do not.
    const bytes = bytesFor(200 * 1024);
    assert.deepEqual(await remote(a, 0, { op: "sendBytes", bytes, to: 1 }), { ok: 1 });
    // Worker 0's reports, asked for until one is there: the bounce crosses both hosts.
    const told = async () => {
      for (const until = Date.now() + WAIT; Date.now() < until;) {
        const errors = await remote(a, 0, { op: "errors" }) as {
          ok: { count: number; samples: string[] };
        };
        if (errors.ok.count > 0) return errors.ok.samples;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`Timed out after ${WAIT} ms waiting for worker 0 to be told`);
    };
    const [report] = await told();
    assert.match(
      report,
      /^Message "test" from worker 0 to worker 1 was not delivered: its \d+ bytes are over the \d+ bytes a message relayed to worker 1 may have \(maxFrameSize on its host\)/,
    );
    assert.deepEqual(
      await remote(a, 0, { op: "request", action: "echoRequest", data: "after", to: 1 }),
      { ok: { data: "after", by: 1, from: 0 } },
      "smaller messages still go",
    );
    assert.deepEqual(await remote(a, 1, { op: "pid" }), pid, "the same process");
    assert.deepEqual(exits, []);
  },
});
