/** Cutting a child's output into labelled lines, whatever the chunk boundaries. */

import assert from "node:assert/strict";
import { LineLabeller, pipeLabelled, serialWriter } from "../src/labelled_output.ts";

const encoder = new TextEncoder();
const bytes = (...parts: (string | number[])[]): Uint8Array =>
  concat(
    parts.map((part) => typeof part === "string" ? encoder.encode(part) : Uint8Array.from(part)),
  );

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  parts.reduce((offset, part) => (out.set(part, offset), offset + part.length), 0);
  return out;
}

/** Every way to cut `input` into chunks: each of the gaps between its bytes cut or not. */
function* everySplit(input: Uint8Array): Generator<Uint8Array[]> {
  const gaps = input.length - 1;
  for (let cuts = 0; cuts < 2 ** gaps; cuts++) {
    const chunks: Uint8Array[] = [];
    let start = 0;
    for (let gap = 0; gap < gaps; gap++) {
      if (cuts & (1 << gap)) {
        chunks.push(input.slice(start, gap + 1));
        start = gap + 1;
      }
    }
    chunks.push(input.slice(start));
    yield chunks;
  }
}

/** Feeds `chunks` to a labeller and returns each write it made. */
async function label(chunks: Uint8Array[], maxHeld?: number): Promise<Uint8Array[]> {
  const writes: Uint8Array[] = [];
  const labeller = new LineLabeller("worker 1", (written) => {
    writes.push(written.slice());
    return Promise.resolve();
  }, maxHeld);
  for (const chunk of chunks) await labeller.push(chunk);
  await labeller.end();
  return writes;
}

Deno.test("every line is labelled once and written whole, however the chunks fall", async () => {
  // Two lines, an empty one, a CRLF line, and a last line with no newline.
  const input = bytes("ab\nc\n\nd\r\nef");
  const expected = bytes(
    "[worker 1] ab\n[worker 1] c\n[worker 1] \n[worker 1] d\r\n[worker 1] ef\n",
  );
  let splits = 0;
  for (const chunks of everySplit(input)) {
    const writes = await label(chunks);
    assert.deepEqual(concat(writes), expected, `chunks ${JSON.stringify(chunks.map(String))}`);
    // No line is cut between two writes, where another child's could come between.
    for (const written of writes) assert.equal(written.at(-1), 0x0a);
    splits++;
  }
  assert.equal(splits, 2 ** (input.length - 1));
});

Deno.test("bytes that are not UTF-8 pass through unchanged", async () => {
  const input = bytes([0xff, 0xfe, 0x0a, 0xc3, 0x28, 0x0a, 0xe2, 0x82]);
  const expected = bytes(
    "[worker 1] ",
    [0xff, 0xfe, 0x0a],
    "[worker 1] ",
    [0xc3, 0x28, 0x0a],
    "[worker 1] ",
    [0xe2, 0x82, 0x0a],
  );
  for (const chunks of everySplit(input)) assert.deepEqual(concat(await label(chunks)), expected);
});

Deno.test("a line longer than what is held is written in pieces, labelled once", async () => {
  const input = bytes("abcdefg\nxy\nlast!");
  const expected = bytes("[worker 1] abcdefg\n[worker 1] xy\n[worker 1] last!\n");
  for (const chunks of everySplit(input)) {
    assert.deepEqual(concat(await label(chunks, 4)), expected);
  }
});

Deno.test("a stream with nothing, or only newlines, gets no label of its own", async () => {
  assert.deepEqual(await label([]), []);
  assert.deepEqual(concat(await label([bytes("\n\n")])), bytes("[worker 1] \n[worker 1] \n"));
});

Deno.test("pipeLabelled() reads to the end even when the writes fail", async () => {
  const input = ReadableStream.from([bytes("one\ntw"), bytes("o\nthree")]);
  const tried: string[] = [];
  await pipeLabelled(input, "logger", (written) => {
    tried.push(new TextDecoder().decode(written));
    return Promise.reject(new Error("the manager's stdout is closed"));
  });
  assert.deepEqual(tried, ["[logger] one\n", "[logger] two\n", "[logger] three\n"]);
});

Deno.test("serialWriter() writes one chunk at a time, each to its end, past a failure", async () => {
  const written: number[] = [];
  let inFlight = 0;
  let most = 0;
  // A file that takes at most 2 bytes a call, and refuses the byte 0.
  const file = {
    async write(chunk: Uint8Array): Promise<number> {
      most = Math.max(most, ++inFlight);
      await Promise.resolve();
      inFlight--;
      if (chunk[0] === 0) throw new Error("broken pipe");
      written.push(...chunk.subarray(0, 2));
      return Math.min(2, chunk.length);
    },
  };
  const write = serialWriter(file);
  await Promise.all([
    write(bytes([1, 2, 3])),
    write(bytes([0])),
    write(bytes([4, 5, 6, 7])),
    write(bytes([8])),
  ]);
  assert.deepEqual(written, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(most, 1);
});
