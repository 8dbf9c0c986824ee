/**
 * Review 10: README (the Node peer) "drops an answer to a requester whose
 * connection closed since", "as a Deno child does". A Deno child reads
 * that from when the request came, also for one held before the go-ahead
 * (src/incoming.ts `receipt()`: "for one held before it is opened (the
 * process was not ready), so that … a requester that left meanwhile is
 * seen gone"). The Node peer counts the requester's closed connections
 * when it dispatches a held request, not when it came
 * (peers/node/switchboard_peer.mjs `#dispatch`: `seenGone` read there;
 * `#held` keeps no count): a request that came before the go-ahead from a
 * worker whose connection closed since is answered, after the go-ahead,
 * to that worker's next process, which never asked.
 *
 * A manager played by hand, which holds the go-ahead, and worker 0 played
 * by hand: its first process asks and goes; its next one connects.
 */

import { Buffer } from "node:buffer";
import assert from "node:assert/strict";
import { decodeMessage, type WireMessage } from "../src/codec.ts";
import { frame, FrameReader } from "../peers/node/frames.mjs";
import { bootstrapOf } from "./fake_manager.ts";
import { waitFor } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

/** One end of a Unix connection, read and written a message at a time. */
class End {
  readonly #conn: Deno.UnixConn;
  readonly #reader = new FrameReader(Infinity);
  readonly #payloads: Uint8Array[] = [];
  readonly #buffer = new Uint8Array(64 * 1024);

  constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
  }

  async send(message: WireMessage): Promise<void> {
    const bytes = frame(new TextEncoder().encode(JSON.stringify(message)));
    for (let at = 0; at < bytes.length;) at += await this.#conn.write(bytes.subarray(at));
  }

  async next(what: string): Promise<WireMessage> {
    while (this.#payloads.length === 0) {
      const count = await waitFor(this.#conn.read(this.#buffer), what);
      if (count === null) throw new Error(`The connection closed while waiting for ${what}`);
      this.#payloads.push(...this.#reader.push(Buffer.from(this.#buffer.subarray(0, count))));
    }
    return decodeMessage(this.#payloads.shift()!, "the Node peer");
  }

  close(): void {
    this.#conn.close();
  }
}

Deno.test("the Node peer drops its answer to a held request whose requester left before the go-ahead", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fake-manager-" });
  const token = crypto.randomUUID();
  const listener = Deno.listen({ transport: "unix", path: `${dir}/m.sock` });
  const child = new Deno.Command("node", {
    args: [NODE_SERVICE],
    stdin: "piped",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const ends: End[] = [];
  try {
    const bootstrap = bootstrapOf("node", { workers: [0], services: ["node"] })({ dir, token });
    await stdin.write(new TextEncoder().encode(`${JSON.stringify(bootstrap)}\n`));
    const manager = new End(await waitFor(listener.accept(), "the Node peer to join"));
    ends.push(manager);
    assert.equal((await manager.next("its $hello")).action, "$hello");
    // It listens before it joins. Worker 0's first process asks, and goes.
    const first = new End(await Deno.connect({ transport: "unix", path: `${dir}/s0.sock` }));
    await first.send({ action: "$hello", data: { from: 0, token } });
    assert.equal((await first.next("its $welcome to worker 0")).action, "$welcome");
    await first.send({ action: "echoRequest", messageId: "old", data: "old", timeout: 60_000 });
    first.close();
    // Then it joins, and says it is ready: the request is held for the go-ahead.
    await manager.send({ action: "$welcome", data: {} });
    assert.equal((await manager.next("its $ready")).action, "$ready");
    // Worker 0's next process connects, and asks too.
    const next = new End(await Deno.connect({ transport: "unix", path: `${dir}/s0.sock` }));
    ends.push(next);
    await next.send({ action: "$hello", data: { from: 0, token } });
    assert.equal((await next.next("its $welcome to worker 0's next process")).action, "$welcome");
    await stdin.write(new TextEncoder().encode("."));
    await next.send({ action: "echoRequest", messageId: "new", data: "new", timeout: 60_000 });
    // What comes to the next process, up to the answer to its own request.
    const answered: unknown[] = [];
    for (;;) {
      const message = await next.next("the answer to worker 0's next process");
      answered.push(message.messageId);
      if (message.messageId === "new") break;
    }
    assert.deepEqual(
      answered,
      ["new"],
      "worker 0's next process got the answer to its old process's request",
    );
  } finally {
    for (const end of ends) {
      try {
        end.close();
      } catch {
        // Closed already.
      }
    }
    await stdin.close().catch(() => {});
    listener.close();
    child.kill("SIGKILL");
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});
