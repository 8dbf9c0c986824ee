/**
 * The raw nats.js baseline's far end: a process with a NATS connection and
 * nothing else, doing what a careful application does with JSON messages,
 * as the raw socket baseline does: it answers requests on `<prefix>.echo`
 * with what they carry (decoded and encoded again), decodes and counts what
 * is published on `<prefix>.sink`, and answers `<prefix>.drain` with that
 * count (then starts counting afresh).
 *
 * `deno run --allow-net=127.0.0.1:4222 bench/nats_responder.ts <prefix>`
 *
 * @module
 */

import { connect } from "@nats-io/transport-node";

const prefix = Deno.args[0];
const nc = await connect({ servers: "127.0.0.1:4222" });
const text = new TextDecoder();
const utf8 = new TextEncoder();
let received = 0;
nc.subscribe(`${prefix}.echo`, {
  callback: (_error, msg) =>
    void msg.respond(utf8.encode(JSON.stringify(JSON.parse(text.decode(msg.data))))),
});
nc.subscribe(`${prefix}.sink`, {
  callback: (_error, msg) => {
    JSON.parse(text.decode(msg.data));
    received++;
  },
});
nc.subscribe(`${prefix}.drain`, {
  callback: (_error, msg) => {
    msg.respond(new TextEncoder().encode(String(received)));
    received = 0;
  },
});
await nc.flush();
console.log("ready");
// Ends when its stdin closes: the bench is done with it.
for await (const _ of Deno.stdin.readable);
await nc.close();
