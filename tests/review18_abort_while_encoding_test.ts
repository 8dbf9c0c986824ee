/**
 * Review 18: a request whose `signal` aborts rejects with the signal's
 * reason, at once (README's request table). One whose signal aborted as
 * its data was encoded (a `toJSON` or a getter that aborts it: the caller's
 * code runs there) was sent all the same, and its wait listened for an
 * abort that had already happened: it waited out its whole timeout.
 */

import assert from "node:assert/strict";
import { Cluster, MANAGER } from "../mod.ts";
import { waitFor } from "./helpers.ts";

Deno.test("a request whose signal aborts as its data is encoded rejects with the reason, and is not sent", async () => {
  await using cluster = await Cluster.start({ workers: 0, signals: false });
  let asked = 0;
  const holds: (() => void)[] = [];
  cluster.handle("holdRequest", () => {
    asked++;
    return new Promise<void>((resolve) => holds.push(resolve));
  });
  const controller = new AbortController();
  const reason = new Error("given up as it was sent");
  const data = {
    toJSON() {
      controller.abort(reason);
      return { n: 1 };
    },
  };
  try {
    const outcome = cluster.request("holdRequest", data, {
      to: MANAGER,
      timeout: 60_000,
      signal: controller.signal,
    }).then(() => "answered", (error: unknown) => error);
    assert.equal(await waitFor(outcome, "the request to reject"), reason);
    // Had it been sent, the manager would run its handler in a later task: it is sent to itself.
    await cluster.request("echoRequest", undefined, { to: MANAGER }).catch(() => {});
    assert.equal(asked, 0, "not sent");
  } finally {
    holds.splice(0).forEach((release) => release());
  }
});
