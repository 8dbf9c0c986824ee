/**
 * A child that heard a sibling of its host exit does not send to it over
 * the connection it had to the dead process. The manager says a child
 * exited once its process is gone (and its socket file removed), but the
 * child may read that event before it reads the end of its connection to
 * the dead process: the sends then went on that connection, counted as
 * handed over (`sendMessage` returned 1), and a request failed with "the
 * connection closed before it answered", as if it might have run. Trial
 * 22 saw it in one run of four: a worker sending to a crashed sibling from
 * its `exit` listener. Played at the level of frames, so that the order is
 * the one that failed: the manager and the crashed worker 1 are the
 * test's, and worker 1's end of the connection stays open. The Node
 * reference peer did the same, and is checked the same way.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { frame, FrameReader } from "../peers/node/frames.mjs";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";
import { waitFor, WORKER } from "./helpers.ts";

/** One connection accepted at a sibling's socket, read frame by frame. */
class FakeSibling {
  readonly #reader = new FrameReader(Infinity);
  readonly #buffer = new Uint8Array(64 * 1024);
  readonly #payloads: Uint8Array[] = [];

  constructor(readonly conn: Deno.UnixConn) {}

  /** The next message, or undefined once the worker closed its end. */
  async next(): Promise<Record<string, unknown> | undefined> {
    while (this.#payloads.length === 0) {
      const count = await waitFor(this.conn.read(this.#buffer), "a frame from worker 0")
        .catch(() => null);
      if (count === null) return undefined;
      this.#payloads.push(...this.#reader.push(Buffer.from(this.#buffer.subarray(0, count))));
    }
    return JSON.parse(new TextDecoder().decode(this.#payloads.shift()));
  }

  async send(message: unknown): Promise<void> {
    const bytes = frame(new TextEncoder().encode(JSON.stringify(message)));
    for (let at = 0; at < bytes.length;) at += await this.conn.write(bytes.subarray(at));
  }
}

async function ask(manager: FakeManager, id: string, operation: unknown): Promise<unknown> {
  manager.send({ action: "doRequest", data: operation, messageId: id });
  const [outcome] = await manager.dataOf(id, 1);
  return outcome;
}

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

/**
 * Starts `command` as a child of a manager played by hand, in a cluster
 * with worker 1; has it send to worker 1, played by hand too, which then
 * dies with its connection left open; checks what the child does next.
 */
async function sendsAfterExit(
  command: string[],
  self: number | string,
  code = 3,
): Promise<void> {
  let dir = "";
  await using manager = await FakeManager.start(command, (transport) => {
    dir = transport.dir;
    const services = typeof self === "string" ? [self] : [];
    const workers = typeof self === "number" ? [self, 1] : [1];
    return bootstrapOf(self, { workers, services })(transport);
  });
  const path = `${dir}/w1.sock`;
  using listener = Deno.listen({ transport: "unix", path });
  // Worker 0 dials worker 1 with its first message; worker 1 welcomes it.
  const first = ask(manager, "first", { op: "send", action: "ping", data: { n: 1 }, to: 1 });
  using conn = await waitFor(listener.accept(), "worker 0 to dial worker 1");
  const sibling = new FakeSibling(conn);
  assert.equal((await sibling.next())?.action, "$hello");
  await sibling.send({ action: "$welcome", data: {} });
  assert.deepEqual(await first, { ok: 1 });
  assert.deepEqual(await sibling.next(), { action: "ping", data: { n: 1 } });
  // A request to worker 1, which it answers as it dies.
  manager.send({
    action: "doRequest",
    data: { op: "request", action: "echoRequest", data: { n: 2 }, to: 1 },
    messageId: "answered",
  });
  const asked = await sibling.next();
  assert.equal(asked?.action, "echoRequest");

  // Worker 1 dies: the manager removes its socket file, then tells worker 0,
  // which has not read the end of its connection (the test holds it open).
  await Deno.remove(path);
  manager.send({
    action: "$event",
    data: { type: "exit", address: 1, code, signal: null, restart: true },
  });
  const after = await ask(manager, "after", { op: "send", action: "ping", data: { n: 3 }, to: 1 });
  if (code === 0) {
    // A clean exit to be restarted is a replacement: the message waits for the next process.
    assert.deepEqual(after, { ok: 1 }, "held for the next process");
  } else {
    assert.deepEqual(after, { ok: 0 }, "a send to a sibling heard to have crashed counts 0");
  }
  if (code !== 0) {
    const outcome = await ask(manager, "request", { op: "request", action: "echoRequest", to: 1 });
    const { name, message } = (outcome as { error: { name: string; message: string } }).error;
    // Not "the connection closed before it answered": nothing of it was sent.
    assert.deepEqual({ name, message }, {
      name: "UnreachableError",
      message: 'Request "echoRequest" to worker 1 failed: it is not connected',
    });
  }
  // What worker 1 sent before it died, read after the event, is delivered
  // all the same (its answer); then its end closes, and so does the
  // child's, with nothing more sent on it.
  await sibling.send({ action: "echoResponse", data: "last words", messageId: asked?.messageId });
  await sibling.conn.closeWrite();
  assert.deepEqual(await manager.dataOf("answered", 1), [{ ok: "last words" }]);
  assert.equal(await sibling.next(), undefined, "nothing more came on the old connection");
}

Deno.test("a worker that heard a sibling exit sends it nothing more on its old connection", async () => {
  await sendsAfterExit(
    [Deno.execPath(), "run", "--allow-read=/tmp", "--allow-write=/tmp", "--allow-net", WORKER.href],
    0,
  );
});

Deno.test("the Node reference peer that heard a sibling exit sends it nothing more on its old connection", async () => {
  await sendsAfterExit(["node", NODE_SERVICE], "svc");
});

Deno.test("a worker that heard a sibling exit cleanly holds what it sends it for its next process, not on the old connection", async () => {
  await sendsAfterExit(
    [Deno.execPath(), "run", "--allow-read=/tmp", "--allow-write=/tmp", "--allow-net", WORKER.href],
    0,
    0,
  );
});

Deno.test("the Node reference peer that heard a sibling exit cleanly holds what it sends it for its next process", async () => {
  await sendsAfterExit(["node", NODE_SERVICE], "svc", 0);
});
