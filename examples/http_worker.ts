/**
 * The worker of scenario 6 (`http_server.ts`): an HTTP server on the port
 * in `Deno.args[0]`, shared with the other workers (`reusePort`), that
 * counts the requests it served and tells the manager when asked. On a
 * stop or a reload it drains its connections first (see `onStop` below).
 *
 * @module
 */

import { connect } from "../mod.ts";
import type { Protocol } from "./protocol.ts";

// How long a stopping worker keeps serving, each answer saying
// "connection: close", before it stops listening. A busy keep-alive client
// sends its next request within it, and so hears that the connection ends
// rather than losing that request as it closes. Measured under a reload of
// 4 workers with 12 clients pausing 3 ms between requests: 16 requests lost
// on kept-alive connections in 3 reloads without the drain, 0 with 200 ms;
// 500 ms leaves room for a busy machine. It lengthens each worker's turn
// of a rolling reload by as much.
const DRAIN_MS = 500;

// Ready only once listening: Cluster.start() then resolves when every
// worker takes connections.
const peer = await connect<Protocol>({ ready: false });
const worker = peer.workerId!;
let served = 0;
let stopping = false;

const server = Deno.serve(
  // reusePort: every worker listens on the same port, and the kernel
  // spreads the connections across them (Cluster.start's `reusePort`
  // option makes this legal in Deno).
  { hostname: "127.0.0.1", port: Number(Deno.args[0]), reusePort: true, onListen: () => {} },
  () => {
    served++;
    const headers: HeadersInit = stopping ? { connection: "close" } : {};
    return new Response(`served by worker ${worker}\n`, { headers });
  },
);

peer.handle("servedRequest", () => ({ worker, served }));
// On stop: tell clients to close their connections, then stop listening
// and finish the requests in flight. shutdown() alone answers those
// without "connection: close" and then closes every connection: a client
// that sent its next request on one meanwhile gets "socket hang up".
peer.onStop(async () => {
  stopping = true;
  await new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
  await server.shutdown();
});
peer.ready();
