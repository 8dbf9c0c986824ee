/**
 * What another host cannot hand to the process it was for. A request is
 * answered there as from that process, failed as never delivered: to `ANY`
 * it goes to another worker, by id it fails saying so. Anything else
 * bounces, and its sender hears of it. For a process that is not there,
 * the bounce speaks only for what it names: it used to fail every request
 * the sender had open to that process, as if each might have run, and as
 * a host stopped, a reply refused by a worker that had gone failed a
 * request to `ANY` sent just after it, which that host then refused (3 of
 * 15 clean stops in a user's trial). For a process that is there, what the
 * sender has open with it fails, as the message may have been part of it.
 */

import assert from "node:assert/strict";
import { ANY, MANAGER } from "../mod.ts";
import type { Address } from "../src/address.ts";
import { UnreachableError } from "../src/errors.ts";
import type { LastSent } from "../src/transport.ts";
import { withGatewayOfB } from "./fake_link.ts";
import { hostB } from "./host_b.ts";
import { waitFor } from "./helpers.ts";

const NOT_CONNECTED = "worker 5 is not connected";

Deno.test("a refusal from another host of a process not there is reported to the manager whose message it was, and fails none of its requests there", async () => {
  await withGatewayOfB(async ({ link, reports, gones }) => {
    link.refused("manager@b", NOT_CONNECTED, "workResponse", true);
    // Said at the end of the task, with any alike.
    await Promise.resolve();
    assert.deepEqual(reports.map((error) => error.message), [
      `Message "workResponse" from the manager of host "b" to worker 5 was not delivered: ${NOT_CONNECTED}`,
    ]);
    assert.ok(reports[0] instanceof UnreachableError);
    assert.deepEqual(gones, [], "its requests to worker 5 stay open");
    // Many alike, in one bounce or in one task: one report, which names their action.
    link.refused("manager@b", NOT_CONNECTED, "tick", true, 2);
    link.refused("manager@b", NOT_CONNECTED, "tick", true);
    await Promise.resolve();
    assert.equal(reports.length, 2);
    assert.equal(
      reports[1].message,
      `3 messages from the manager of host "b" to worker 5 were not delivered: ${NOT_CONNECTED}`,
    );
    assert.equal((reports[1] as UnreachableError).action, "tick");
    link.saidBye("manager@b", 2);
    assert.deepEqual(gones, [5], "a bye's count of what never came fails them");
  });
});

Deno.test("a refusal from another host of a process that is there fails what the sender has open with it: a stream it was a part of, say", async () => {
  await withGatewayOfB(({ link, reports, gones }) => {
    link.refused("manager@b", "its 2000000 bytes are over the 1000000 bytes …", "genResponse");
    assert.equal(reports.length, 1);
    assert.deepEqual(gones, [5]);
  });
});

Deno.test("a refusal from another host of a process not there is reported to the child whose message it was, and fails none of its requests there", async () => {
  await withGatewayOfB(async ({ link, reports: managers, startWorker0 }) => {
    const reports: Error[] = [];
    const gone: Address[] = [];
    const toldGone = Promise.withResolvers<void>();
    await startWorker0((error) => reports.push(error), {
      gone: (peer) => {
        gone.push(peer);
        toldGone.resolve();
      },
    });
    link.refused(0, NOT_CONNECTED, "workResponse", true);
    // Told after the refusal (at the end of the task), on the same connection: once it is
    // gone, the refusal was read.
    await Promise.resolve();
    link.saidBye(0, 1);
    await waitFor(toldGone.promise, "worker 0 to hear of the bye");
    assert.deepEqual(gone, [5], "only the bye failed its requests");
    assert.deepEqual(reports.map((error) => error.message), [
      `Message "workResponse" from worker 0 to worker 5 was not delivered: ${NOT_CONNECTED}`,
      'A message from worker 0 to worker 5 was not delivered: host "a" stopped before it came',
    ]);
    assert.ok(reports.every((error) => error instanceof UnreachableError && error.peer === 5));
    assert.deepEqual(managers, [], "told where it was sent");
  });
});

Deno.test("a request for a child that is not connected is answered for it as never delivered; anything else bounces", async () => {
  await using b = await hostB();
  const worker = await b.start();
  const left = b.gone(0);
  worker.endpoint.close();
  await waitFor(left, "worker 0's connection to close");
  b.link.from('{"action":"workRequest","messageId":"m1","data":{"n":1}}');
  b.link.from('{"action":"workResponse","messageId":"m2","re":true,"data":1}');
  b.link.from('{"action":"note","data":1}');
  assert.deepEqual(b.link.sent.map(({ from, to, payload }) => [from, to, JSON.parse(payload)]), [[
    0,
    5,
    {
      action: "workResponse",
      messageId: "m1",
      re: true,
      error: { name: "UnreachableError", message: "worker 0 is not connected", undelivered: true },
      data: { n: 1 },
    },
  ]]);
  assert.deepEqual(b.link.bounced, [
    '5 → 0 "workResponse": worker 0 is not connected',
    '5 → 0 "note": worker 0 is not connected',
  ]);
});

Deno.test("a request another host answers as never delivered goes to another worker for ANY, and fails by id", async () => {
  await using b = await hostB();
  const worker = await b.start();
  const requestTo0 = (data: unknown) => (text: string) => {
    const message = JSON.parse(text);
    return message.action === "workRequest" &&
      JSON.stringify(message.data) === JSON.stringify(data);
  };
  // Worker 0 is the busier: ANY asks worker 5, on host "a", first.
  const busy = b.router.request("workRequest", "busy", { to: 0, timeout: 10_000 });
  await worker.receives(requestTo0("busy"));
  const any = b.router.request("workRequest", { n: 2 }, { to: ANY, timeout: 10_000 });
  const toA = JSON.parse(b.link.sent.at(-1)!.payload);
  assert.equal(b.link.sent.at(-1)!.to, 5);
  const undelivered = (messageId: string, data: unknown) =>
    JSON.stringify({
      action: "workResponse",
      messageId,
      re: true,
      error: { name: "UnreachableError", message: NOT_CONNECTED, undelivered: true },
      data,
    });
  b.link.toManager(undelivered(toA.messageId, toA.data));
  // Then to worker 0, which answers both.
  for (const data of ["busy", { n: 2 }]) {
    const { messageId } = JSON.parse(await worker.receives(requestTo0(data)));
    const answer = { action: "workResponse", messageId, re: true, data: { by: 0, data } };
    worker.endpoint.send(MANAGER, JSON.stringify(answer));
  }
  assert.deepEqual(await waitFor(any, "the request to ANY"), { by: 0, data: { n: 2 } });
  await busy;
  const byId = b.router.request("workRequest", { n: 3 }, { to: 5, timeout: 10_000 })
    .then(() => assert.fail("answered"), (error: Error) => error);
  const toA2 = JSON.parse(b.link.sent.at(-1)!.payload);
  b.link.toManager(undelivered(toA2.messageId, toA2.data));
  const failed = await waitFor(byId, "the request by id");
  assert.ok(failed instanceof UnreachableError);
  assert.equal(
    failed.message,
    `Request "workRequest" to worker 5 failed: it was not delivered (${NOT_CONNECTED})`,
  );
});

Deno.test("what a child sends another host that cannot take it is refused to the child: a request answered as never delivered, a message failing what is open", async () => {
  await withGatewayOfB(async ({ link, reports: managers, startWorker0 }) => {
    const reports: Error[] = [];
    const reported = Promise.withResolvers<void>();
    const delivered: unknown[] = [];
    const gone: [Address, LastSent | undefined][] = [];
    const told = Promise.withResolvers<void>();
    const child = await startWorker0((error) => (reports.push(error), reported.resolve()), {
      deliver: (from, payloads) => {
        for (const payload of payloads) {
          delivered.push([from, JSON.parse(new TextDecoder().decode(payload))]);
        }
      },
      gone: (peer, _reason, last) => {
        gone.push([peer, last]);
        if (gone.length === 2) told.resolve();
      },
    });
    link.refusing = true;
    child.send(5, '{"action":"workRequest","messageId":"m1","data":{"n":1}}');
    child.send(5, '{"action":"note","data":1}');
    // Told after the answer to the first: both were refused.
    await waitFor(reported.promise, "worker 0 to hear of the message refused");
    link.refusing = false;
    const sentTwo = Promise.withResolvers<void>();
    const send = link.send.bind(link);
    link.send = (...args) => {
      const size = send(...args);
      if (link.sent.length === 2) sentTwo.resolve();
      return size;
    };
    child.send(5, '{"action":"note","data":2}');
    child.send(5, '{"action":"note","data":3}');
    await waitFor(sentTwo.promise, "the next two to be sent");
    // Host "a" leaves saying it never had the last of them: of the 4 worker 0 forwarded.
    link.saidBye(0, 1);
    await waitFor(told.promise, "worker 0 to hear of the bye");
    const why = 'host "a" cannot take it now';
    assert.deepEqual(delivered, [[5, {
      action: "workResponse",
      messageId: "m1",
      re: true,
      error: { name: "UnreachableError", message: why, undelivered: true },
      data: { n: 1 },
    }]]);
    assert.deepEqual(reports.map((error) => error.message), [
      `Message "note" from worker 0 to worker 5 was not delivered: ${why}`,
      'A message from worker 0 to worker 5 was not delivered: host "a" stopped before it came',
    ]);
    // The message refused may have broken what worker 0 had open with worker 5: that
    // fails, but for what it sent after it, which the manager had not read yet.
    // Worker 5 is still there after the first: what it asks of worker 0 is still answered.
    assert.deepEqual(gone, [[5, { seen: 2, there: true }], [5, { seen: 4, undelivered: 1 }]]);
    assert.deepEqual(managers, []);
  });
});
