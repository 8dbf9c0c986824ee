/**
 * The envelopes hosts publish to each other: what is written reads back,
 * batches stay under the server's limit, and bytes that are not envelopes
 * (a fuzzer's) are refused without a throw.
 */

import assert from "node:assert/strict";
import { isAddress } from "../../src/address.ts";
import { Batch } from "../../src/nats/batch.ts";
import {
  ACK,
  BOUNCE,
  BYE,
  encodeEnvelopes,
  type Envelope,
  EnvelopeWriter,
  GAP,
  MESSAGE,
  readEnvelopes,
  RECONNECTED,
  RESUME,
  SENT,
} from "../../src/nats/envelope.ts";

const utf8 = new TextEncoder();
const KINDS = [MESSAGE, ACK, GAP, BOUNCE, RESUME, BYE, RECONNECTED, SENT];

function read(bytes: Uint8Array): { envelopes: Envelope[]; whole: boolean } {
  const envelopes: Envelope[] = [];
  const whole = readEnvelopes(bytes, (envelope) => envelopes.push(envelope));
  return { envelopes, whole };
}

/** The fields as written: a text body as its UTF-8 bytes. */
function plain(envelope: Envelope) {
  return { ...envelope, body: [...envelope.body] };
}

Deno.test("envelopes read back as written, in order, text bodies as UTF-8", () => {
  const written: Envelope[] = [
    {
      kind: MESSAGE,
      host: "b",
      epoch: 7,
      round: 1,
      seq: 0,
      from: 3,
      to: "manager@a",
      body: utf8.encode("{}"),
    },
    {
      kind: MESSAGE,
      host: "b",
      epoch: 7,
      round: 1,
      seq: 1,
      from: "log",
      to: 0,
      body: utf8.encode("é☃𝄞"),
    },
    {
      kind: ACK,
      host: "höst",
      epoch: 2 ** 32 - 1,
      round: 2 ** 32 - 1,
      // Past 2^32 messages in one epoch (hours of steady traffic): a u32 would wrap.
      seq: 2 ** 32 + 1,
      from: null,
      to: null,
      body: new Uint8Array(8),
    },
  ];
  const { envelopes, whole } = read(encodeEnvelopes(written));
  assert.ok(whole);
  assert.deepEqual(envelopes.map(plain), written.map(plain));

  // Text is written straight into the batch, and read back as its UTF-8 bytes.
  let published: Uint8Array = new Uint8Array(0);
  const batch = new Batch(1024, (bytes) => published = bytes);
  const size = new EnvelopeWriter("b").write(batch, MESSAGE, 1, 1, 0, 0, 1, "né☃");
  batch.flush();
  assert.equal(size, utf8.encode("né☃").length);
  assert.deepEqual([...read(published).envelopes[0].body], [...utf8.encode("né☃")]);
});

Deno.test("a batch publishes at the end of the task, never over its limit, every envelope once", async () => {
  const published: Uint8Array[] = [];
  const batch = new Batch(4096, (bytes) => published.push(bytes));
  const writer = new EnvelopeWriter("a");
  for (let seq = 0; seq < 1000; seq++) {
    writer.write(batch, MESSAGE, 1, 1, seq, 0, 1, `{"n":${seq}}`);
  }
  const beforeTheTaskEnds = published.length;
  await Promise.resolve();
  assert.ok(beforeTheTaskEnds < published.length, "the rest went at the end of the task");
  assert.ok(published.length > 1 && published.every((bytes) => bytes.length <= 4096));
  const seqs = published.flatMap((bytes) => read(bytes).envelopes.map((e) => e.seq));
  assert.deepEqual(seqs, Array.from({ length: 1000 }, (_, i) => i));
});

Deno.test("fuzz: random, cut and flipped bytes never throw, and what reads is well-formed", () => {
  const random = seeded(0x5eed);
  const valid = encodeEnvelopes(
    Array.from({ length: 5 }, (_, seq) => ({
      kind: MESSAGE,
      host: "b",
      epoch: 1,
      seq,
      from: seq,
      to: "manager@a",
      body: utf8.encode(JSON.stringify({ action: "x", data: seq })),
    })),
  );
  let refused = 0;
  for (let round = 0; round < 5000; round++) {
    let bytes: Uint8Array;
    if (round % 3 === 0) {
      bytes = new Uint8Array(Math.floor(random() * 300)).map(() => random() * 256);
    } else if (round % 3 === 1) {
      bytes = valid.slice(0, Math.floor(random() * valid.length));
    } else {
      bytes = valid.slice();
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
        bytes[Math.floor(random() * bytes.length)] = random() * 256;
      }
    }
    const { envelopes, whole } = read(bytes);
    if (!whole) refused++;
    for (const envelope of envelopes) {
      assert.ok(KINDS.includes(envelope.kind));
      assert.ok(typeof envelope.host === "string" && envelope.host.length > 0);
      assert.ok(envelope.from === null || isAddress(envelope.from));
      assert.ok(envelope.to === null || isAddress(envelope.to));
      assert.ok(Number.isInteger(envelope.epoch) && Number.isInteger(envelope.seq));
    }
  }
  assert.ok(refused > 3000, `most garbage is refused (${refused} of 5000)`);
});

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
