import assert from "node:assert/strict";
import {
  type Bootstrap,
  BOOTSTRAP_VERSION,
  encodeBootstrap,
  readBootstrap,
} from "../src/bootstrap.ts";

const BOOTSTRAP: Bootstrap = {
  version: BOOTSTRAP_VERSION,
  dir: "/tmp/switchboard-x",
  self: 2,
  token: "secret",
  workers: 3,
  services: ["logger"],
  maxFrameSize: 1024,
  requestTimeout: 500,
  highWaterMark: 100,
  maxQueuedBytes: 2048,
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

Deno.test("readBootstrap reads the first line of stdin, however it is split", async () => {
  const bytes = encodeBootstrap(BOOTSTRAP);
  for (const chunk of [1, 7, bytes.length]) {
    assert.deepEqual(await readBootstrap(stdin(bytes, chunk)), BOOTSTRAP);
  }
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
    await assert.rejects(readBootstrap(input), (error: Error) => {
      assert.match(error.message, why);
      assert.match(error.message, /run this module through Cluster\.start\(\)/);
      return true;
    });
  }
});
