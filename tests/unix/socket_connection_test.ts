import assert from "node:assert/strict";
import { ClosedError, FrameError } from "../../src/errors.ts";
import { Acceptor } from "../../src/unix/acceptor.ts";
import { SocketConnection } from "../../src/unix/socket_connection.ts";
import { LEND_MIN_BYTES, Lending } from "../../src/lending.ts";

/** A connection to the socket at `path`, with no handshake: a bare framed connection. */
async function connectTo(path: string, maxFrameSize: number): Promise<SocketConnection> {
  return new SocketConnection(await Deno.connect({ transport: "unix", path }), maxFrameSize);
}

/** The next connection `listener` accepts. */
async function nextAccepted(listener: Acceptor): Promise<SocketConnection> {
  return (await listener[Symbol.asyncIterator]().next()).value as SocketConnection;
}

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

  /** This end stops writing; the far end, played here, then closes too. */
  closeWrite(): Promise<void> {
    this.#closed.resolve(null);
    return Promise.resolve();
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

async function flushed(connection: SocketConnection): Promise<void> {
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

Deno.test("SocketConnection carries frames both ways over a real socket", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const listener = await Acceptor.listen(`${dir}/a.sock`, 1 << 20, fail);
  const accepted = nextAccepted(listener);
  const client = await connectTo(`${dir}/a.sock`, 1 << 20);
  const server = await accepted;

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

Deno.test("SocketConnection closes when its peer declares an oversized frame", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const listener = await Acceptor.listen(`${dir}/a.sock`, 100, fail);
  const accepted = nextAccepted(listener);
  const client = await connectTo(`${dir}/a.sock`, 1 << 20);
  const server = await accepted;
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

Deno.test("Acceptor listens over a socket file a dead process left behind", async () => {
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
  const listener = await Acceptor.listen(path, 100, fail);
  listener.close();
  await Deno.remove(dir, { recursive: true });
});

/** Collects the frames a connection receives, decoded as text. */
function collect(
  connection: SocketConnection,
): { texts: string[]; until(count: number): Promise<void> } {
  const texts: string[] = [];
  let waiter: { count: number; resolve: () => void } | undefined;
  connection.receive((frames) => {
    for (const frame of frames) texts.push(new TextDecoder().decode(frame));
    if (waiter && texts.length >= waiter.count) waiter.resolve();
  });
  return {
    texts,
    until(count) {
      if (texts.length >= count) return Promise.resolve();
      const { promise, resolve } = Promise.withResolvers<void>();
      waiter = { count, resolve };
      return promise;
    },
  };
}

/** A listener at "a" and a connection dialing it with the greeting "hello". */
async function dialed(): Promise<{
  client: SocketConnection;
  accepted: Promise<SocketConnection>;
  done(): Promise<void>;
}> {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const listener = await Acceptor.listen(`${dir}/a.sock`, 1 << 20, fail);
  const accepted = nextAccepted(listener);
  return {
    client: SocketConnection.dial(`${dir}/a.sock`, "hello", 1 << 20),
    accepted,
    async done() {
      listener.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("SocketConnection.dial() writes the greeting first and holds later sends until admitted()", async () => {
  const { client, accepted, done } = await dialed();
  assert.equal(client.send("one"), 3, "usable before it is open");
  assert.equal(client.send("two"), 3);
  assert.equal(client.bufferedBytes, 14, "held sends count as queued");
  const server = await accepted;
  const received = collect(server);
  await received.until(1);
  // The greeting's answer goes out and comes back: had the held frames
  // been written with the greeting, they would have arrived by now.
  const answer = collect(client);
  server.send("welcome");
  await answer.until(1);
  assert.deepEqual(received.texts, ["hello"]);

  client.admitted();
  await received.until(3);
  assert.deepEqual(received.texts, ["hello", "one", "two"]);
  assert.deepEqual(answer.texts, ["welcome"]);
  client.close();
  await client.closed;
  await server.closed;
  await done();
});

Deno.test("SocketConnection.dial() to a socket nobody listens at closes the connection with the reason", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const client = SocketConnection.dial(`${dir}/nobody.sock`, "hello", 1 << 20);
  assert.equal(client.send("lost"), 4);
  client.receive(() => assert.fail("nothing arrives"));
  const reason = await client.closed;
  assert.ok(reason instanceof Deno.errors.NotFound, String(reason));
  assert.equal(client.bufferedBytes, 0, "what waited is forgotten");
  assert.equal(client.send("late"), -1, "closed");
  // Never written, it is given back, once, to be sent elsewhere.
  assert.deepEqual(client.takeUnsent().map((payload) => new TextDecoder().decode(payload)), [
    "lost",
  ]);
  assert.deepEqual(client.takeUnsent(), []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a dialed connection closed while it opens closes its socket once open", async () => {
  const { client, accepted, done } = await dialed();
  client.receive(() => {});
  client.close();
  assert.equal(await client.closed, undefined);
  const server = await accepted;
  const received = collect(server);
  // The far end sees the connection end, whether or not the greeting made it.
  assert.equal(await server.closed, undefined);
  assert.ok(received.texts.length <= 1);
  await done();
});

Deno.test("a dialed connection closed before it is admitted still writes what waits, once admitted", async () => {
  const { client, accepted, done } = await dialed();
  client.receive(() => {});
  client.send("last words");
  client.close();
  assert.equal(client.send("too late"), -1);
  const server = await accepted;
  const received = collect(server);
  await received.until(1);
  client.admitted();
  assert.equal(await client.closed, undefined);
  assert.equal(await server.closed, undefined);
  assert.deepEqual(received.texts, ["hello", "last words"]);
  await done();
});

Deno.test("a connection that ends with sends still queued closes with a ClosedError saying so", async () => {
  const { client, accepted, done } = await dialed();
  client.receive(() => {});
  client.send("important");
  client.close(); // Graceful: it would write once admitted.
  const server = await accepted;
  const received = collect(server);
  await received.until(1);
  server.close(); // The far end hangs up instead of admitting it.
  const reason = await client.closed;
  assert.ok(reason instanceof ClosedError, String(reason));
  assert.equal(reason.message, "Closed with 13 bytes unsent");
  assert.deepEqual(received.texts, ["hello"]);
  await server.closed;
  await done();
});

/** A Deno.Conn stand-in whose writes fail once `room` bytes are written (the far end gone). */
class FailingConn extends RecordingConn {
  #room: number;

  constructor(room: number, chunk: number) {
    super(chunk);
    this.#room = room;
  }

  override async write(bytes: Uint8Array): Promise<number> {
    if (this.#room <= 0) throw new Deno.errors.BrokenPipe("the far end is gone");
    const count = await super.write(bytes.subarray(0, Math.min(bytes.length, this.#room)));
    this.#room -= count;
    return count;
  }
}

Deno.test("a write failing within a lent array keeps its frame, copied, as unsent, and gives the array back", async () => {
  const fake = new FailingConn(1000, 500);
  const connection = new SocketConnection(fake as unknown as Deno.Conn, 1 << 20);
  const lending = new Lending();
  const bytes = new Uint8Array(LEND_MIN_BYTES).fill(4);
  const payload = lending.lend({ pieces: [new Uint8Array([9]), bytes], length: 1 + bytes.length });
  assert.equal(connection.send("first"), 5);
  assert.equal(connection.send(payload), 1 + LEND_MIN_BYTES);
  lending.returned();
  const [back] = await lending.back;
  assert.ok(back.every((byte) => byte === 4));
  await connection.closed;
  const unsent = connection.takeUnsent();
  assert.equal(unsent.length, 1, "the first frame went whole");
  assert.deepEqual([...unsent[0]], [9, ...new Uint8Array(LEND_MIN_BYTES).fill(4)]);
});

Deno.test("a connection closed with a lent array queued gives it back", async () => {
  const connection = connectionOver(new RecordingConn());
  const lending = new Lending();
  const payload = lending.lend({
    pieces: [new Uint8Array([9]), new Uint8Array(LEND_MIN_BYTES).fill(8)],
    length: 1 + LEND_MIN_BYTES,
  });
  connection.send(payload);
  lending.returned();
  connection.close(new Error("gone"));
  assert.equal((await lending.back)[0][0], 8);
  await connection.closed;
});
