/**
 * Scenario 9's raw floor, the receiving child: reads length-prefixed
 * frames from the socket (its first argument) and counts them, each into a
 * fresh Uint8Array of its size, as a user keeping the bytes would, or,
 * with a second argument `reuse`, all into one buffer, as nothing can beat.
 * A frame of length 0 asks for the count, which it answers as 4 bytes.
 *
 * @module
 */

const conn = await Deno.connect({ transport: "unix", path: Deno.args[0] });
const reuse = Deno.args[1] === "reuse";
let buffer = new Uint8Array(0);
const header = new Uint8Array(4);
const view = new DataView(header.buffer);
let received = 0;

/** Fills `bytes` from the socket; false at its end. */
async function readFully(bytes: Uint8Array): Promise<boolean> {
  for (let at = 0; at < bytes.length;) {
    const count = await conn.read(bytes.subarray(at));
    if (count === null) return false;
    at += count;
  }
  return true;
}

while (await readFully(header)) {
  const length = view.getUint32(0);
  if (length === 0) {
    view.setUint32(0, received);
    received = 0;
    for (let at = 0; at < 4;) at += await conn.write(header.subarray(at));
    continue;
  }
  if (!reuse || buffer.length < length) buffer = new Uint8Array(length);
  if (!await readFully(buffer.subarray(0, length))) break;
  received++;
}
conn.close();
