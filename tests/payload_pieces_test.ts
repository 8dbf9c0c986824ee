/** Payloads in pieces: joined, copied and written back to back. */

import assert from "node:assert/strict";
import { copyPayload, isPieces, joinPieces, writePieces } from "../src/payload_pieces.ts";

const utf8 = new TextEncoder();
const pieces = () => ({
  pieces: [utf8.encode("ab"), new Uint8Array([1, 2]), utf8.encode("c")],
  length: 5,
});
const JOINED = [0x61, 0x62, 1, 2, 0x63];

Deno.test("pieces are written back to back, joined in a shared buffer, or copied into one of their own", () => {
  const payload = pieces();
  assert.ok(isPieces(payload) && !isPieces(new Uint8Array(1)) && !isPieces("text"));
  const target = new Uint8Array(7);
  writePieces(payload, target, 1);
  assert.deepEqual([...target], [0, ...JOINED, 0]);
  const joined = joinPieces(payload);
  assert.deepEqual([...joined], JOINED);
  const copy = copyPayload(payload);
  joinPieces({ pieces: [new Uint8Array(5)], length: 5 });
  assert.deepEqual([...joined], [0, 0, 0, 0, 0], "a joined payload is valid until the next join");
  assert.deepEqual([...copy], JOINED, "a copy is its own");
  assert.deepEqual([...copyPayload("é")], [0xc3, 0xa9]);
  const bytes = new Uint8Array([9]);
  const copied = copyPayload(bytes);
  bytes[0] = 8;
  assert.deepEqual([...copied], [9]);
});
