/**
 * The start-up baseline's child: the least a Deno child can do to join a
 * parent over a Unix socket. It dials the socket (its one argument), sends
 * one length-prefixed JSON hello, and exits when the parent hangs up.
 *
 * @module
 */

const conn = await Deno.connect({ transport: "unix", path: Deno.args[0] });
const hello = new TextEncoder().encode(JSON.stringify({ action: "hello", data: Deno.pid }));
const frame = new Uint8Array(4 + hello.length);
new DataView(frame.buffer).setUint32(0, hello.length);
frame.set(hello, 4);
await conn.write(frame);
await conn.read(new Uint8Array(1));
conn.close();
