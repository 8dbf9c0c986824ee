import assert from "node:assert/strict";
import { copyFrame, ReceivedBinaryFrame, writeBinaryFrame } from "../../src/binary_frame.ts";
import { FrameError } from "../../src/errors.ts";
import { copyPayload } from "../../src/payload_pieces.ts";
import { FrameDecoder, HEADER_SIZE } from "../../src/unix/frame.ts";
import { FrameQueue } from "../../src/unix/frame_queue.ts";

const LIMIT = 16 * 1024 * 1024;

/** Frames `payloads` into one stream, as a sender would. */
function stream(payloads: Uint8Array[]): Uint8Array {
  const queue = new FrameQueue();
  for (const payload of payloads) queue.append(payload);
  const { chunks, fills } = queue.take();
  const bytes = new Uint8Array(fills.reduce((sum, fill) => sum + fill, 0));
  let at = 0;
  chunks.forEach((chunk, i) => {
    bytes.set(chunk.subarray(0, fills[i]), at);
    at += fills[i];
  });
  return bytes;
}

/**
 * Feeds `bytes` to a decoder in reads of the given sizes (cycled), the way a
 * socket read loop does, and returns copies of the frames in order.
 */
function decodeInReads(bytes: Uint8Array, readSizes: number[]): Uint8Array[] {
  const decoder = new FrameDecoder(LIMIT);
  const frames: Uint8Array[] = [];
  let offset = 0;
  let turn = 0;
  while (offset < bytes.length) {
    const space = decoder.space();
    const size = Math.min(
      readSizes[turn++ % readSizes.length],
      space.length,
      bytes.length - offset,
    );
    space.set(bytes.subarray(offset, offset + size));
    offset += size;
    for (const frame of decoder.commit(size)) frames.push(frame.slice());
  }
  assert.equal(decoder.buffered, 0, "no bytes left over");
  return frames;
}

/** Reads all of `bytes` into the decoder, as much at a time as it has room for. */
function feed(
  decoder: FrameDecoder,
  bytes: Uint8Array,
  onFrame: (frame: Uint8Array) => void = () => {},
): void {
  for (let at = 0; at < bytes.length;) {
    const space = decoder.space();
    const size = Math.min(space.length, bytes.length - at);
    space.set(bytes.subarray(at, at + size));
    at += size;
    decoder.commit(size).forEach(onFrame);
  }
}

function payload(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
}

Deno.test("FrameDecoder returns every frame whatever the read size", () => {
  const payloads = [0, 1, 3, 4, 5, 100, 4096, 70_000, 2, 200_000, 0, 17].map(payload);
  const bytes = stream(payloads);
  for (const sizes of [[1], [2], [3], [4], [5], [7, 1, 13], [4096], [65_536], [1 << 20]]) {
    assert.deepEqual(decodeInReads(bytes, sizes), payloads, `reads of ${sizes}`);
  }
});

Deno.test("FrameDecoder splits a stream at every possible boundary", () => {
  const payloads = [payload(10, 1), payload(0, 2), payload(300, 3), payload(5, 4)];
  const bytes = stream(payloads);
  for (let cut = 1; cut < bytes.length; cut++) {
    const decoder = new FrameDecoder(LIMIT);
    const frames: Uint8Array[] = [];
    for (const part of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
      decoder.space().set(part);
      for (const frame of decoder.commit(part.length)) frames.push(frame.slice());
    }
    assert.deepEqual(frames, payloads, `cut at ${cut}`);
  }
});

Deno.test("FrameDecoder returns coalesced frames from one read in order", () => {
  const payloads = Array.from({ length: 500 }, (_, i) => payload(i % 50, i));
  const bytes = stream(payloads);
  const decoder = new FrameDecoder(LIMIT);
  decoder.space().set(bytes);
  assert.deepEqual(decoder.commit(bytes.length).map((frame) => frame.slice()), payloads);
});

Deno.test("FrameDecoder fills a large frame in place, never moving it", () => {
  // A decoder that concatenated or compacted per read would be quadratic in
  // the frame size; this one moves the frame's start once, into a buffer
  // that fits it, and reads the rest straight behind it.
  const big = payload(8 * 1024 * 1024, 9);
  const bytes = stream([payload(10, 1), big]);
  const decoder = new FrameDecoder(LIMIT);
  let offset = 1024;
  decoder.space().set(bytes.subarray(0, offset));
  assert.deepEqual(decoder.commit(offset).map((frame) => frame.slice()), [payload(10, 1)]);
  const frameBuffer = decoder.space().buffer;
  while (offset < bytes.length) {
    const space = decoder.space();
    assert.equal(space.buffer, frameBuffer, "reads land in one buffer that fits the frame");
    assert.equal(space.length, bytes.length - offset, "room for exactly the rest of the frame");
    const size = Math.min(4096, space.length);
    space.set(bytes.subarray(offset, offset + size));
    offset += size;
    const frames = decoder.commit(size);
    if (offset < bytes.length) assert.equal(frames.length, 0);
    else assert.deepEqual(frames[0], big);
  }
});

/** A binary message frame: `json`, then `attachments` back to back. */
function binaryFrame(json: string, attachments: Uint8Array[], limit = LIMIT): Uint8Array {
  const frame = writeBinaryFrame(json, attachments, limit);
  assert.ok(typeof frame !== "number");
  return copyPayload(frame);
}

Deno.test("FrameDecoder reads a large binary frame's bytes into memory of their own, whatever the reads", () => {
  // Beside it, frames that stay whole: small, JSON, and binary with nothing after its JSON.
  const small = binaryFrame('{"n":1}', [payload(1000, 3)]);
  const large = binaryFrame('{"n":2}', [payload(300_000, 4), payload(5, 5)]);
  const json = new TextEncoder().encode(`{"n":3,"s":"${"x".repeat(200_000)}"}`);
  const bare = binaryFrame(`{"s":"${"y".repeat(200_000)}"}`, []);
  const payloads = [small, large, json, large, bare, large];
  const bytes = stream(payloads);
  for (const sizes of [[1], [3, 7], [4096], [65_536], [1 << 20]]) {
    const decoder = new FrameDecoder(LIMIT);
    const frames: Uint8Array[] = [];
    const split: boolean[] = [];
    for (let at = 0; at < bytes.length;) {
      const space = decoder.space();
      const size = Math.min(sizes[frames.length % sizes.length], space.length, bytes.length - at);
      space.set(bytes.subarray(at, at + size));
      at += size;
      for (const frame of decoder.commit(size)) {
        frames.push(copyFrame(frame));
        split.push(frame instanceof ReceivedBinaryFrame);
        if (!(frame instanceof ReceivedBinaryFrame)) continue;
        const { attachments } = frame;
        assert.equal(
          frame.length,
          5 + 7,
          `reads of ${sizes}: the head is the marker, length, JSON`,
        );
        assert.equal(attachments.byteOffset, 0, "the bytes are in memory of their own");
        assert.equal(attachments.buffer.byteLength, 300_005);
      }
    }
    assert.deepEqual(frames, payloads, `reads of ${sizes}`);
    assert.deepEqual(split, [false, true, false, true, false, true], `reads of ${sizes}`);
    assert.equal(decoder.buffered, 0);
  }
});

Deno.test("FrameDecoder grows no buffer for a large binary frame whose head comes in pieces", () => {
  // Only its head needs the buffer: its bytes go to memory of their own,
  // also past the 16 MiB the buffer grows to.
  for (const size of [4 * 1024 * 1024, 20 * 1024 * 1024]) {
    const large = binaryFrame('{"n":2}', [new Uint8Array(size).fill(7)], 2 * size);
    const bytes = stream([payload(10, 1), large]);
    const decoder = new FrameDecoder(32 * 1024 * 1024);
    const frames: Uint8Array[] = [];
    // The small frame (14 bytes), the large one's length prefix and 3
    // bytes of its head, then the rest of its head (12 bytes).
    for (const [from, to] of [[0, 21], [21, 30]]) {
      const space = decoder.space();
      assert.equal(space.buffer.byteLength, 64 * 1024, `${size} bytes: the buffer is not grown`);
      space.set(bytes.subarray(from, to));
      frames.push(...decoder.commit(to - from).map(copyFrame));
    }
    assert.equal(decoder.buffered, 30 - 14, `${size} bytes: the large frame's bytes so far`);
    feed(decoder, bytes.subarray(30), (frame) => {
      assert.ok(frame instanceof ReceivedBinaryFrame, `${size} bytes: read in two parts`);
      frames.push(copyFrame(frame));
    });
    assert.deepEqual(frames, [payload(10, 1), large]);
    assert.equal(decoder.buffered, 0);
    assert.equal(decoder.space().buffer.byteLength, 64 * 1024);
  }
});

Deno.test("FrameDecoder counts the bytes of an unfinished frame, its length prefix too", () => {
  const large = binaryFrame('{"n":2}', [payload(300_000, 4)]);
  const whole = new Uint8Array(20 * 1024 * 1024).fill(3);
  for (const frame of [large, whole]) {
    const bytes = stream([frame]);
    const decoder = new FrameDecoder(32 * 1024 * 1024);
    let at = 0;
    for (const size of [2, 100, 70_000, 5]) {
      const space = decoder.space();
      space.set(bytes.subarray(at, at + size));
      at += size;
      assert.equal(decoder.commit(size).length, 0);
      assert.equal(decoder.buffered, at, `${frame.length} bytes, after ${at}`);
    }
  }
});

Deno.test("FrameDecoder rejects a declared length over its limit before reading it", () => {
  const decoder = new FrameDecoder(1000);
  const header = new Uint8Array([0xff, 0xff, 0xff, 0xff]);
  decoder.space().set(header);
  assert.throws(
    () => decoder.commit(HEADER_SIZE),
    (error: unknown) =>
      error instanceof FrameError &&
      /4294967295 bytes is over the 1000-byte limit/.test(error.message),
  );
});

Deno.test("FrameDecoder accepts a frame exactly at its limit", () => {
  const bytes = stream([payload(1000, 3)]);
  const decoder = new FrameDecoder(1000);
  decoder.space().set(bytes);
  assert.equal(decoder.commit(bytes.length)[0].length, 1000);
});

Deno.test("FrameDecoder returns the frames before an oversized one, then fails", () => {
  const decoder = new FrameDecoder(100);
  const bytes = stream([payload(3, 1), payload(5, 2), payload(101, 3)]);
  // Both small frames and the third one's header, in one read.
  decoder.space().set(bytes.subarray(0, 24));
  assert.deepEqual(decoder.commit(24).map((frame) => frame.slice()), [
    payload(3, 1),
    payload(5, 2),
  ]);
  assert.throws(() => decoder.space(), /Frame of 101 bytes is over the 100-byte limit/);
});

Deno.test("FrameDecoder holds a buffer no bigger than its limit needs", () => {
  const decoder = new FrameDecoder(4096);
  assert.equal(decoder.space().length, 4096 + HEADER_SIZE);
  decoder.maxFrameSize = 16 * 1024 * 1024;
  assert.equal(decoder.space().length, 64 * 1024);
});

Deno.test("FrameDecoder gives a grown buffer back once large frames stop", () => {
  const decoder = new FrameDecoder(LIMIT);
  const big = stream([payload(1024 * 1024, 1)]);
  feed(decoder, big);
  assert.ok(decoder.space().length > 1024 * 1024, "grown to fit the large frame");
  const small = stream(Array.from({ length: 16 }, (_, i) => payload(10, i)));
  decoder.space().set(small);
  assert.equal(decoder.commit(small.length).length, 16);
  assert.equal(decoder.space().length, 64 * 1024, "back to its usual size");
});

Deno.test("FrameDecoder grows its buffer no further than 16 MiB, nor than its limit needs", () => {
  // 6 MiB (a buffer kept), then 7 (doubled to 12, the next frame's start
  // read behind it), then 15: doubling again would make 24.
  const sizes = [6, 7, 15].map((mib) => mib * 1024 * 1024);
  const bytes = stream(sizes.map((size) => new Uint8Array(size).fill(size >> 20)));
  for (const limit of [32 * 1024 * 1024, 15 * 1024 * 1024 + 10]) {
    const decoder = new FrameDecoder(limit);
    const lengths: number[] = [];
    let largest = 0;
    for (let at = 0; at < bytes.length;) {
      const space = decoder.space();
      largest = Math.max(largest, space.buffer.byteLength);
      const size = Math.min(space.length, bytes.length - at);
      space.set(bytes.subarray(at, at + size));
      at += size;
      for (const frame of decoder.commit(size)) lengths.push(frame.length);
    }
    assert.deepEqual(lengths, sizes);
    const most = Math.min(16 * 1024 * 1024, limit) + HEADER_SIZE;
    assert.ok(largest <= most, `limit ${limit}: a buffer of ${largest} bytes`);
  }
});

Deno.test("FrameDecoder gives back a buffer over 8 MiB as soon as its frame is done", () => {
  const decoder = new FrameDecoder(LIMIT);
  const big = stream([payload(9 * 1024 * 1024, 2)]);
  feed(decoder, big);
  assert.equal(decoder.space().length, 64 * 1024);
});
