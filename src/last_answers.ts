/**
 * A manager's last answers to other hosts, in a cluster that spans hosts,
 * once its children are gone: it answers the other hosts' requests it
 * took, as a child answers what it took before `$exit`, and refuses the
 * rest where their senders see it. Only then does it close and say bye.
 *
 * Before, the manager refused its own sends as soon as it began to close,
 * and handled what it read in its last round trip to the server without
 * answering: the requester got `UnreachableError` as the host left, for a
 * request that had run (20 to 220 of them, in 18 of 24 runs of a host
 * stopping under a stream of requests to its manager; every time, for one
 * still running).
 *
 * @module
 */

import { deadline } from "./deadline.ts";
import type { Router } from "./router.ts";

/** What the last answers need of the manager's router. */
export type AnsweringRouter = Pick<
  Router,
  | "readsOtherHosts"
  | "refuseAllRequests"
  | "runningHandlersSettled"
  | "answersHeldSent"
  | "stopReading"
  | "handlersSettled"
>;

/**
 * From now on the manager refuses each new request (`stopping: true`, as
 * a child stopping alone does); the handlers running now settle while it
 * still reads (they may wait for what other hosts send: the answer to a
 * request they made, a stream's credit), then the answers held for room
 * in the window to another host (the children's, its own) go; then it
 * stops reading, once what was sent until the NATS server heard so is
 * read, and the handlers that started meanwhile settle; all within one
 * `stopTimeout`. Nothing to do on one host.
 */
export async function lastAnswers(router: AnsweringRouter, stopTimeout: number): Promise<void> {
  if (!router.readsOtherHosts) return;
  router.refuseAllRequests();
  // Those running now, while it reads; then those that what it still
  // read started (messages keep coming: waiting for every handler while
  // reading would wait out stopTimeout under steady traffic). Between,
  // the answers held for room in the window go: room comes
  // only as the others confirm, heard while it reads (not waited for,
  // they were refused as the link closed, to children gone by then, and
  // their requests failed with the stop).
  const settled = (async () => {
    // Held answers after the handlers: their own answers may wait for room too.
    await router.runningHandlersSettled();
    await router.answersHeldSent();
    await router.stopReading();
    await router.handlersSettled();
  })();
  await deadline(settled, stopTimeout, () => new Error("stopTimeout passed")).catch(() => {});
  // Read to the end, even when a handler outlived stopTimeout.
  await router.stopReading();
}
