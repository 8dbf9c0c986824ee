/**
 * Review 19: README "Protocol" (`$sync`): a Deno child that finds a
 * sibling's socket gone, having heard nothing of a reload yet, asks its
 * manager (`$sync`), whose answer comes after every `$event` it sent
 * before: a request to a sibling being replaced then waits for its new
 * process. The Node reference peer asked nothing: a request it made as a
 * sibling's old process had gone, before it read the manager's `reload`
 * event (its code ran before it read its socket), failed at once, "it is
 * not connected". Played here with the manager and the sibling by hand.
 * A sibling it heard crash it does not ask about: a crash is no
 * replacement, and the request fails at once.
 */

import { Buffer } from "node:buffer";
import assert from "node:assert/strict";
import { frame, FrameReader } from "../peers/node/frames.mjs";
import { decodeMessage, type WireMessage } from "../src/codec.ts";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";
import { waitFor } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

/** Worker 0's new process, played by hand: it admits one connection and reads its frames. */
class FakeWorker implements AsyncDisposable {
  readonly #listener: Deno.UnixListener;
  #conn: Deno.UnixConn | undefined;
  readonly #reader = new FrameReader(Infinity);
  readonly #read: Uint8Array[] = [];

  constructor(dir: string) {
    this.#listener = Deno.listen({ transport: "unix", path: `${dir}/w0.sock` });
  }

  /** Admits the next connection: its `$hello`, then the `$welcome`. */
  async admit(): Promise<WireMessage> {
    this.#conn = await waitFor(this.#listener.accept(), "a connection to worker 0");
    const hello = await this.next();
    await this.send({ action: "$welcome", data: {} });
    return hello;
  }

  async next(): Promise<WireMessage> {
    const buffer = new Uint8Array(64 * 1024);
    while (this.#read.length === 0) {
      const count = await waitFor(this.#conn!.read(buffer), "a frame to worker 0");
      if (count === null) throw new Error("The connection to worker 0 closed");
      this.#read.push(...this.#reader.push(Buffer.from(buffer.subarray(0, count))));
    }
    return decodeMessage(this.#read.shift()!, "the Node service");
  }

  async send(message: WireMessage): Promise<void> {
    const bytes = frame(new TextEncoder().encode(JSON.stringify(message)));
    for (let at = 0; at < bytes.length;) at += await this.#conn!.write(bytes.subarray(at));
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.#conn?.close();
    this.#listener.close();
    return Promise.resolve();
  }
}

/** The next message the Node service sends the manager, passing over what it reports it saw. */
async function next(manager: FakeManager): Promise<WireMessage> {
  for (;;) {
    const message = await manager.nextMessage();
    if (message.action !== "serviceSaw") return message;
  }
}

Deno.test("a Node service's request to a sibling whose socket is gone, as its reload is not heard of yet, waits for its new process", async () => {
  let dir = "";
  let token = "";
  await using manager = await FakeManager.start(
    ["node", NODE_SERVICE],
    (transport) => {
      ({ dir, token } = transport);
      return bootstrapOf("node", { workers: [0], services: ["node"] })(transport);
    },
  );
  // Worker 0's old process is gone (no socket file); the reload event is not sent yet.
  manager.send({
    action: "doRequest",
    messageId: "ask",
    data: { op: "request", action: "echoRequest", data: "x", to: 0, timeout: 10_000 },
  });
  const sync = await next(manager);
  assert.equal(sync.action, "$sync", `it asked its manager; it sent ${JSON.stringify(sync)}`);
  assert.equal((sync.data as { for?: unknown }).for, 0);
  // The manager's answer comes after the events it sent before.
  manager.send({ action: "$event", data: { type: "reload", address: 0 } });
  manager.send({ action: "$synced", data: sync.data });
  await using worker = new FakeWorker(dir);
  manager.send({ action: "$event", data: { type: "ready", address: 0 } });
  assert.deepEqual((await worker.admit()).data, { from: "node", token });
  const request = await worker.next();
  assert.equal(request.action, "echoRequest");
  await worker.send({
    action: "echoResponse",
    messageId: request.messageId,
    re: true,
    data: { data: request.data, by: 0 },
  });
  const answer = await next(manager);
  assert.equal(answer.messageId, "ask");
  assert.deepEqual(answer.data, { ok: { data: "x", by: 0 } });
});

Deno.test("a Node service's request to a sibling it heard crash fails at once, without asking its manager", async () => {
  await using manager = await FakeManager.start(
    ["node", NODE_SERVICE],
    bootstrapOf("node", { workers: [0], services: ["node"] }),
  );
  // A crash is no replacement: README "Waiting for a replacement".
  manager.send({
    action: "$event",
    data: { type: "exit", address: 0, code: 1, signal: null, restart: true },
  });
  manager.send({
    action: "doRequest",
    messageId: "ask",
    data: { op: "request", action: "echoRequest", data: "x", to: 0, timeout: 10_000 },
  });
  const answer = await next(manager);
  assert.equal(answer.messageId, "ask", `answered at once; it sent ${JSON.stringify(answer)}`);
  assert.deepEqual(answer.data, {
    error: {
      name: "UnreachableError",
      message: 'Request "echoRequest" to worker 0 failed: it is not connected',
      action: "echoRequest",
      peer: 0,
    },
  });
});
