import assert from "node:assert/strict";
import { FrameError } from "../mod.ts";
import { SocketConnection, UnixTransport } from "../src/unix_transport.ts";
import type { Connection } from "../src/transport.ts";

/** A Deno.Conn stand-in that records writes and accepts at most `chunk` bytes per write. */
class RecordingConn {
  readonly writes: Uint8Array[] = [];
  readonly #chunk: number;
  #closed = Promise.withResolvers<null>();

  constructor(chunk = Infinity) {
    this.#chunk = chunk;
  }

  write(bytes: Uint8Array): Promise<number> {
    const count = Math.min(bytes.length, this.#chunk);
    this.writes.push(bytes.slice(0, count));
    return Promise.resolve(count);
  }

  read(): Promise<number | null> {
    return this.#closed.promise;
  }

  close(): void {
    this.#closed.resolve(null);
  }

  /** Every byte written, in order. */
  bytes(): Uint8Array {
    const all = new Uint8Array(this.writes.reduce((sum, w) => sum + w.length, 0));
    let at = 0;
    for (const write of this.writes) {
      all.set(write, at);
      at += write.length;
    }
    return all;
  }
}

function connectionOver(fake: RecordingConn): SocketConnection {
  return new SocketConnection(fake as unknown as Deno.Conn, 1024);
}

async function flushed(connection: Connection): Promise<void> {
  connection.close();
  await connection.closed;
}

/** For listeners that must not fail to accept. */
function fail(error: Error): never {
  throw error;
}

Deno.test("SocketConnection writes frames sent in one tick with one write", async () => {
  const fake = new RecordingConn();
  const connection = connectionOver(fake);
  for (let i = 0; i < 100; i++) assert.equal(connection.send(new Uint8Array([i])), 1);
  assert.equal(connection.bufferedBytes, 500);
  await flushed(connection);
  assert.equal(fake.writes.length, 1);
  assert.equal(fake.writes[0].length, 500);
});

Deno.test("SocketConnection finishes short writes", async () => {
  const fake = new RecordingConn(7);
  const connection = connectionOver(fake);
  const payloads = Array.from({ length: 20 }, (_, i) => new Uint8Array(i).fill(i));
  for (const payload of payloads) connection.send(payload);
  await flushed(connection);
  assert.ok(fake.writes.length > 1);
  const expected: number[] = [];
  for (const payload of payloads) expected.push(0, 0, 0, payload.length, ...payload);
  assert.deepEqual([...fake.bytes()], expected);
});

Deno.test("SocketConnection refuses a send over its limit, and forgets its queue when closed", async () => {
  const fake = new RecordingConn();
  const connection = connectionOver(fake);
  assert.equal(connection.send(new Uint8Array(10), 100), 10);
  assert.equal(connection.send("é".repeat(50), 100), -2, "100 bytes of text: over, taken back");
  assert.equal(connection.bufferedBytes, 14);
  connection.close(new Error("gone"));
  assert.equal(connection.bufferedBytes, 0);
  assert.equal((await connection.closed)?.message, "gone");
});

Deno.test("SocketConnection refuses sends once closing", async () => {
  const fake = new RecordingConn();
  const connection = connectionOver(fake);
  connection.close();
  assert.equal(connection.send(new Uint8Array([1])), -1);
  assert.equal(await connection.closed, undefined);
});

Deno.test("UnixTransport carries frames both ways over a real socket", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const transport = new UnixTransport(dir);
  const listener = await transport.listen("a", 1 << 20, fail);
  const accepted = listener[Symbol.asyncIterator]().next();
  const client = await transport.connect("a", 1 << 20);
  const server = (await accepted).value as Connection;

  const big = new Uint8Array(300_000).map((_, i) => i & 0xff);
  client.send(new Uint8Array([1, 2, 3]));
  client.send(big);
  client.send("héllo");
  const received: Uint8Array[] = [];
  const three = Promise.withResolvers<void>();
  server.receive((frames) => {
    for (const frame of frames) received.push(frame.slice());
    if (received.length === 3) three.resolve();
  });
  await three.promise;
  assert.deepEqual(received, [new Uint8Array([1, 2, 3]), big, new TextEncoder().encode("héllo")]);

  client.close();
  await client.closed;
  await server.closed;
  listener.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("UnixTransport closes a connection whose peer declares an oversized frame", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const transport = new UnixTransport(dir);
  const listener = await transport.listen("a", 100, fail);
  const accepted = listener[Symbol.asyncIterator]().next();
  const client = await transport.connect("a", 1 << 20);
  const server = (await accepted).value as Connection;
  client.send(new Uint8Array(101));
  server.receive(() => assert.fail("no frame is delivered"));
  const reason = await server.closed;
  assert.ok(reason instanceof FrameError);
  assert.match(reason.message, /101 bytes is over the 100-byte limit/);
  client.close();
  await client.closed;
  listener.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("UnixTransport listens over a socket file a dead process left behind", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const path = `${dir}/a.sock`;
  const holder = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `const l = Deno.listen({ transport: "unix", path: ${JSON.stringify(path)} });
       console.log("up");
       await l.accept();`,
    ],
    stdout: "piped",
  }).spawn();
  const lines = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
  assert.match((await lines.read()).value ?? "", /up/);
  holder.kill("SIGKILL");
  await holder.status;
  await lines.cancel();
  assert.ok((await Deno.stat(path)).isSocket, "the dead process left its socket file");
  const listener = await new UnixTransport(dir).listen("a", 100, fail);
  listener.close();
  await Deno.remove(dir, { recursive: true });
});
