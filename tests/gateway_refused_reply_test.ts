/**
 * A reply that another host refuses (the process it answers is no longer
 * connected: it stopped, and its own request failed as it closed) is
 * reported to whoever sent it, and fails nothing: the requests its sender
 * has open to that process are each answered, refused as it stops, or
 * failed as its host leaves, and to `ANY` go to another worker when they
 * never ran. Any other refusal still fails them, as before.
 */

import assert from "node:assert/strict";
import type { Address } from "../src/address.ts";
import { UnreachableError } from "../src/errors.ts";
import { withGatewayOfB } from "./fake_link.ts";
import { hostB } from "./host_b.ts";
import { waitFor } from "./helpers.ts";

const NOT_CONNECTED = "worker 5 is not connected";

Deno.test("a reply another host refused is reported to the manager that sent it, and fails none of its requests there", async () => {
  await withGatewayOfB(({ link, reports, gones }) => {
    link.refused("manager@b", NOT_CONNECTED, "workResponse", true);
    assert.deepEqual(reports.map((error) => error.message), [
      `Message "workResponse" from the manager of host "b" to worker 5 was not delivered: ${NOT_CONNECTED}`,
    ]);
    assert.ok(reports[0] instanceof UnreachableError);
    assert.deepEqual(gones, [], "its requests to worker 5 stay open");
    link.refused("manager@b", NOT_CONNECTED, "save");
    assert.deepEqual(gones, [5], "a message that was no reply fails them, as before");
  });
});

Deno.test("a reply another host refused is reported to the child that sent it, and fails none of its requests there", async () => {
  await withGatewayOfB(async ({ link, reports: managers, startWorker0 }) => {
    const reports: Error[] = [];
    const gone: Address[] = [];
    const toldGone = Promise.withResolvers<void>();
    await startWorker0((error) => reports.push(error), (peer) => {
      gone.push(peer);
      toldGone.resolve();
    });
    link.refused(0, NOT_CONNECTED, "workResponse", true);
    // Told after the reply's refusal, on the same connection: once it is
    // gone, the refusal before it was read.
    link.refused(0, NOT_CONNECTED, "save");
    await waitFor(toldGone.promise, "worker 0 to hear of the second refusal");
    assert.deepEqual(gone, [5], "only the message that was no reply failed its requests");
    assert.deepEqual(reports.map((error) => error.message), [
      `Message "workResponse" from worker 0 to worker 5 was not delivered: ${NOT_CONNECTED}`,
      `Message "save" from worker 0 to worker 5 was not delivered: ${NOT_CONNECTED}`,
    ]);
    assert.ok(reports.every((error) => error instanceof UnreachableError && error.peer === 5));
    assert.deepEqual(managers, [], "told where it was sent");
  });
});

Deno.test("a host refuses a reply for a child that is not connected saying it was a reply, and a message saying it was not", async () => {
  await using b = await hostB();
  const worker = await b.start();
  const left = b.gone(0);
  worker.endpoint.close();
  await waitFor(left, "worker 0's connection to close");
  b.link.from('{"action":"workResponse","messageId":"m1","re":true,"data":1}');
  b.link.from('{"action":"note","data":1}');
  assert.deepEqual(b.link.bounced, [
    '5 → 0 "workResponse" (reply): worker 0 is not connected',
    '5 → 0 "note": worker 0 is not connected',
  ]);
});
