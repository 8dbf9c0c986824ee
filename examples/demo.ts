/**
 * All six scenarios, one after another: `deno task example`.
 *
 * @module
 */

import * as broadcast from "./broadcast.ts";
import * as gather from "./gather.ts";
import * as httpServer from "./http_server.ts";
import * as manualRequest from "./manual_request.ts";
import * as request from "./request.ts";
import * as services from "./services.ts";

const scenarios = [
  ["1. Broadcast and targeted messages", broadcast.main],
  ["2. Service processes, both ways", services.main],
  ["3. Request/response by hand", manualRequest.main],
  ["4. request() and handle()", request.main],
  ["5. Gather", gather.main],
  ["6. HTTP servers on one port", httpServer.main],
] as const;

for (const [title, run] of scenarios) {
  console.log(`\n== ${title}`);
  await run();
}
