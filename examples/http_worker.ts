/**
 * The worker of scenario 6 (`http_server.ts`): an HTTP server on the port
 * in `Deno.args[0]`, shared with the other workers (`reusePort`), that
 * counts the requests it served and tells the manager when asked.
 *
 * @module
 */

import { connect } from "../mod.ts";
import type { Protocol } from "./protocol.ts";

// Ready only once listening: Cluster.start() then resolves when every
// worker takes connections.
const peer = await connect<Protocol>({ ready: false });
const worker = peer.workerId!;
let served = 0;

const server = Deno.serve(
  // reusePort: every worker listens on the same port, and the kernel
  // spreads the connections across them (Cluster.start's `reusePort`
  // option makes this legal in Deno).
  { hostname: "127.0.0.1", port: Number(Deno.args[0]), reusePort: true, onListen: () => {} },
  () => {
    served++;
    return new Response(`served by worker ${worker}\n`);
  },
);

peer.handle("servedRequest", () => ({ worker, served }));
// On stop: finish the requests in flight, and stop listening.
peer.onStop(() => server.shutdown());
peer.ready();
