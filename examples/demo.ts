/**
 * Every scenario, one after another: `deno task example`. The last, across
 * hosts, needs a NATS server at 127.0.0.1:4222 and says so when there is none.
 *
 * @module
 */

import * as anyWorker from "./any_worker.ts";
import * as broadcast from "./broadcast.ts";
import * as cancel from "./cancel.ts";
import * as gather from "./gather.ts";
import * as httpServer from "./http_server.ts";
import * as manualRequest from "./manual_request.ts";
import * as nodeService from "./node_service.ts";
import * as request from "./request.ts";
import * as services from "./services.ts";
import * as stream from "./stream.ts";
import * as twoHosts from "./two_hosts.ts";
import * as validation from "./validation.ts";
import * as values from "./values.ts";

const scenarios = [
  ["1. Broadcast and targeted messages", broadcast.main],
  ["2. Service processes, both ways", services.main],
  ["3. Request/response by hand", manualRequest.main],
  ["4. request() and handle()", request.main],
  ["5. Gather", gather.main],
  ["6. HTTP servers on one port", httpServer.main],
  ["7. One cluster across two hosts, through NATS", twoHosts.main],
  ["8. Work for whichever worker is free", anyWorker.main],
  ["9. Cancellation reaches the handler", cancel.main],
  ["10. An answer in parts", stream.main],
  ["11. Bytes, dates and errors arrive as sent", values.main],
  ["12. Validation with schemas", validation.main],
  ["13. A service in another language (Node.js)", nodeService.main],
] as const;

for (const [title, run] of scenarios) {
  console.log(`\n== ${title}`);
  await run();
}
