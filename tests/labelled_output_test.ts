/** Cutting a child's output into labelled lines, whatever the chunk boundaries. */

import assert from "node:assert/strict";
import {
  type LabellerOptions,
  LineLabeller,
  pipeLabelled,
  serialWriter,
} from "../src/labelled_output.ts";

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
async function label(chunks: Uint8Array[], options?: LabellerOptions): Promise<Uint8Array[]> {
  const writes: Uint8Array[] = [];
  const labeller = new LineLabeller("worker 1", (written) => {
    writes.push(written.slice());
    return Promise.resolve();
  }, options);
  for (const chunk of chunks) await labeller.push(chunk);
  await labeller.end();
  return writes;
}

/** 2026-12-07T06:59:01.123Z, in ms since the epoch. */
const T0 = Date.UTC(2026, 11, 7, 6, 59, 1, 123);

/** A time that moves only as the test says: `at` ms after {@linkcode T0}, and each read counted. */
function fakeTime(): { time: () => number; at: number; reads: number } {
  const fake = {
    at: 0,
    reads: 0,
    time: () => {
      fake.reads++;
      return T0 + fake.at;
    },
  };
  return fake;
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
    assert.deepEqual(concat(await label(chunks, { maxHeld: 4 })), expected);
  }
});

Deno.test("a stream with nothing, or only newlines, gets no label of its own", async () => {
  assert.deepEqual(await label([]), []);
  assert.deepEqual(concat(await label([bytes("\n\n")])), bytes("[worker 1] \n[worker 1] \n"));
});

Deno.test("with a time, each line starts with it in ISO 8601 UTC to the ms, however the chunks fall", async () => {
  const input = bytes("ab\nc\n\nd\r\n", [0xff, 0x0a], "ef");
  const stamp = "2026-12-07T06:59:01.123Z [worker 1] ";
  const expected = bytes(
    `${stamp}ab\n${stamp}c\n${stamp}\n${stamp}d\r\n${stamp}`,
    [0xff, 0x0a],
    `${stamp}ef\n`,
  );
  for (const chunks of everySplit(input)) {
    const writes = await label(chunks, { time: fakeTime().time });
    assert.deepEqual(concat(writes), expected);
    for (const written of writes) assert.equal(written.at(-1), 0x0a);
  }
});

Deno.test("a line has the time of the read that ended it; the lines of one read share it", async () => {
  const clock = fakeTime();
  const writes: string[] = [];
  const labeller = new LineLabeller("logger pid 4242", (written) => {
    writes.push(new TextDecoder().decode(written));
    return Promise.resolve();
  }, clock);
  await labeller.push(bytes("one\ntwo\nthr"));
  clock.at = 1_000;
  await labeller.push(bytes("ee\nfo"));
  // Read in the same ms as the one before: the same time.
  await labeller.push(bytes("ur\n"));
  clock.at = 61_877;
  // Nothing held: the end writes nothing.
  await labeller.end();
  clock.at = 3_600_000 - 1_123 + 999;
  await labeller.push(bytes("no newline"));
  await labeller.end();
  assert.deepEqual(writes, [
    "2026-12-07T06:59:01.123Z [logger pid 4242] one\n" +
    "2026-12-07T06:59:01.123Z [logger pid 4242] two\n",
    "2026-12-07T06:59:02.123Z [logger pid 4242] three\n",
    "2026-12-07T06:59:02.123Z [logger pid 4242] four\n",
    "2026-12-07T07:59:00.999Z [logger pid 4242] no newline\n",
  ]);
  // Once a read, and at an end only with a line to finish.
  assert.equal(clock.reads, 5);
});

Deno.test("each time is written as toISOString() writes it, from one to the next in any order", async () => {
  const edges = [
    T0,
    T0 + 1,
    T0 + 876, // 06:59:01.999
    T0 + 877, // 06:59:02.000: a new second
    T0 + 877,
    T0 + 60_000 * 60 * 24, // a day later, to the ms
    -1, // 1969-12-31T23:59:59.999Z
    0,
    1.7, // In the ms it is in, as Date takes it.
    -1.5,
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 1, // +010000-01-01T00:00:00.000Z: longer
    Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 2,
    T0,
  ];
  // Then times within a few seconds, in random order, most in a second another had.
  const times = [
    ...edges,
    ...Array.from({ length: 500 }, () => T0 + Math.floor(Math.random() * 3_000)),
  ];
  let next = 0;
  const writes: string[] = [];
  const labeller = new LineLabeller("worker 1", (written) => {
    writes.push(new TextDecoder().decode(written));
    return Promise.resolve();
  }, { time: () => times[next++] });
  for (const _ of times) await labeller.push(bytes("x\n"));
  assert.deepEqual(writes, times.map((time) => `${new Date(time).toISOString()} [worker 1] x\n`));
});

Deno.test("with a time, a line longer than what is held has the time of its first piece, once", async () => {
  const clock = fakeTime();
  const writes: string[] = [];
  const labeller = new LineLabeller("worker 1", (written) => {
    writes.push(new TextDecoder().decode(written));
    return Promise.resolve();
  }, { ...clock, maxHeld: 4 });
  await labeller.push(bytes("abcdef"));
  clock.at = 5;
  await labeller.push(bytes("gh\nij"));
  clock.at = 7;
  await labeller.end();
  assert.deepEqual(writes, [
    "2026-12-07T06:59:01.123Z [worker 1] abcdef",
    "gh\n",
    "2026-12-07T06:59:01.130Z [worker 1] ij\n",
  ]);
});

Deno.test("pipeLabelled() stamps each line with the time it was read, when given one", async () => {
  const clock = fakeTime();
  const input = ReadableStream.from([bytes("one\ntw"), bytes("o\n")]);
  const written: string[] = [];
  await pipeLabelled(input, "worker 0 pid 7", (bytes) => {
    written.push(new TextDecoder().decode(bytes));
    clock.at += 250;
    return Promise.resolve();
  }, { time: clock.time });
  assert.deepEqual(written, [
    "2026-12-07T06:59:01.123Z [worker 0 pid 7] one\n",
    "2026-12-07T06:59:01.373Z [worker 0 pid 7] two\n",
  ]);
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
