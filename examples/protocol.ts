/**
 * The protocol the examples share: one map from action to data type. A
 * request action's answer is the entry of its response action.
 *
 * @module
 */

import type { Address } from "../mod.ts";

export type Protocol = {
  // Scenario 1: a broadcast, and each worker's receipt of it.
  test: { time: number };
  received: { worker: number; time: number; from: Address };
  // Scenario 1 from a worker: the manager asks worker 0 to broadcast.
  broadcast: { to?: number | number[] };

  // Scenario 2: the logger service.
  log: { line: string };
  flush: { reason: string };
  flushed: { lines: string[] };

  // Scenario 3: request/response by hand, the messageId in the data.
  testRequest: { messageId: string; time: number };
  testResponse: { messageId: string; time: number; worker: number };
  askByHand: { to: number };
  answeredByHand: { worker: number; response: { messageId: string; time: number; worker: number } };

  // Scenario 4: request() with handle(), or answered by hand with reply().
  echoRequest: { text: string };
  echoResponse: { text: string; worker: number };
  divideRequest: { a: number; b: number };
  divideResponse: number;
  napRequest: { ms: number };
  napResponse: { slept: number };
  unhandledRequest: undefined;
  unhandledResponse: undefined;

  // Scenario 5: gather.
  statsRequest: undefined;
  statsResponse: { connections: number };

  // Scenario 10: an answer in parts; the worker yields the squares below `below`.
  squaresRequest: { below: number };
  squaresResponse: number;

  // Scenario 9: a request its requester gives up on; the worker says how far it got, and why it stopped.
  countRequest: undefined;
  countResponse: number;
  counted: { worker: number; count: number; reason: string };

  // Scenario 11: values beyond JSON; the worker digests the bytes and says how old the Date is.
  digestRequest: { file: Uint8Array<ArrayBuffer>; sent: Date };
  digestResponse: { sha256: Uint8Array; bytes: number; lateMs: number; worker: number };

  // Scenario 12: validation; a positive width, checked by a schema where it is sent and received.
  resizeRequest: { width: number };
  resizeResponse: { width: number; worker: number };

  // Scenario 6: HTTP servers on one port; each worker says how many requests it served.
  servedRequest: undefined;
  servedResponse: { worker: number; served: number };
};
