import assert from "node:assert/strict";
import {
  type Bootstrap,
  BOOTSTRAP_VERSION,
  encodeBootstrap,
  readBootstrap,
  readGoAhead,
} from "../src/bootstrap.ts";
import { waitFor } from "./helpers.ts";

const BOOTSTRAP: Bootstrap = {
  version: BOOTSTRAP_VERSION,
  self: 2,
  workers: [0, 1, 2],
  managers: [],
  services: ["logger"],
  maxFrameSize: 1024,
  requestTimeout: 500,
  highWaterMark: 100,
  maxQueuedBytes: 2048,
  transport: { dir: "/tmp/switchboard-x", token: "secret" },
};

/** A stand-in for stdin that hands out `bytes` in reads of at most `chunk` bytes. */
function stdin(bytes: Uint8Array, chunk: number, terminal = false) {
  let at = 0;
  return {
    isTerminal: () => terminal,
    read(buffer: Uint8Array): Promise<number | null> {
      if (at >= bytes.length) return Promise.resolve(null);
      const count = Math.min(chunk, buffer.length, bytes.length - at);
      buffer.set(bytes.subarray(at, at + count));
      at += count;
      return Promise.resolve(count);
    },
  };
}

/** A wait for the bootstrap that never gives up. */
const patient = () => new AbortController().signal;

Deno.test("readBootstrap reads the first line of stdin, however it is split", async () => {
  const bytes = encodeBootstrap(BOOTSTRAP);
  for (const chunk of [1, 7, bytes.length]) {
    assert.deepEqual(await readBootstrap(stdin(bytes, chunk), patient()), BOOTSTRAP);
  }
});

Deno.test("readBootstrap takes the processes being replaced, when given, as addresses only", async () => {
  const replacing = { ...BOOTSTRAP, replacing: [1, "logger"] };
  const bytes = encodeBootstrap(replacing);
  assert.deepEqual(await readBootstrap(stdin(bytes, bytes.length), patient()), replacing);
  const bad = encodeBootstrap({ ...BOOTSTRAP, replacing: [{ not: "an address" }] } as never);
  await assert.rejects(
    readBootstrap(stdin(bad, bad.length), patient()),
    /not a Switchboard bootstrap/,
  );
});

Deno.test("readBootstrap takes the siblings starting with the child, when given, as addresses only", async () => {
  const starting = { ...BOOTSTRAP, starting: [2, "logger"] };
  const bytes = encodeBootstrap(starting);
  assert.deepEqual(await readBootstrap(stdin(bytes, bytes.length), patient()), starting);
  const bad = encodeBootstrap({ ...BOOTSTRAP, starting: "logger" } as never);
  await assert.rejects(
    readBootstrap(stdin(bad, bad.length), patient()),
    /not a Switchboard bootstrap/,
  );
});

Deno.test("readBootstrap explains when the process was not started by a cluster", async () => {
  const utf8 = new TextEncoder();
  const cases: [ReturnType<typeof stdin>, RegExp][] = [
    [stdin(new Uint8Array(), 1, true), /stdin is a terminal/],
    [stdin(new Uint8Array(), 1), /stdin ended without one/],
    [stdin(utf8.encode("hello\n"), 10), /not JSON/],
    [stdin(utf8.encode('{"version":99}\n'), 100), /not a Switchboard bootstrap of this version/],
  ];
  for (const [input, why] of cases) {
    await assert.rejects(readBootstrap(input, patient()), (error: Error) => {
      assert.match(error.message, why);
      assert.match(error.message, /run this module through Cluster\.start\(\)/);
      return true;
    });
  }
});

Deno.test("readBootstrap gives up on a stdin that says nothing, saying why", async () => {
  const silent = { isTerminal: () => false, read: () => new Promise<number | null>(() => {}) };
  const patience = new AbortController();
  const reading = readBootstrap(silent, patience.signal);
  patience.abort();
  await assert.rejects(
    reading,
    /^SwitchboardError: connect\(\) found no bootstrap \(none arrived on stdin within 2000 ms\): run this module through Cluster\.start\(\)$/,
  );
});

/** Resolves `promise` and a chain of `length` microtasks queued after it; says which settled first. */
async function racesMicrotasks(promise: Promise<void>, length: number): Promise<string[]> {
  const order: string[] = [];
  const settled = promise.then(() => order.push("go-ahead"));
  let chain: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < length; i++) chain = chain.then(() => {});
  await Promise.all([settled, chain.then(() => order.push("microtasks"))]);
  return order;
}

Deno.test("readGoAhead resolves when the byte arrives", async () => {
  const byte = Promise.withResolvers<number>();
  const input = { read: (_: Uint8Array) => byte.promise };
  const goAhead = readGoAhead(input);
  setTimeout(() => byte.resolve(1), 0);
  assert.deepEqual(await racesMicrotasks(goAhead, 1_000), ["microtasks", "go-ahead"]);
});

Deno.test("readGoAhead at the end of stdin still resolves in a later task", async () => {
  for (const read of [() => Promise.resolve(null), () => Promise.reject(new Error("closed"))]) {
    const order = await racesMicrotasks(readGoAhead({ read }), 1_000);
    assert.deepEqual(order, ["microtasks", "go-ahead"]);
  }
});

Deno.test("a process that has read its bootstrap is not kept alive by the wait for it", async () => {
  // A listener on a timeout's signal keeps its timer, and so the process,
  // alive: a child that closed at once lived on until the patience ran out.
  const source = new URL("../src/bootstrap.ts", import.meta.url).href;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { readBootstrap } from "${source}";
       await readBootstrap(Deno.stdin, AbortSignal.timeout(600_000));`,
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(encodeBootstrap(BOOTSTRAP));
  await writer.close();
  try {
    const status = await waitFor(child.status, "the process to exit, its bootstrap read");
    assert.equal(status.code, 0);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await child.status;
  }
});
