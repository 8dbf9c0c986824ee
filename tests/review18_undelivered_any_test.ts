/**
 * Review 18: a request to `ANY` that another host answers as never
 * delivered (`undelivered: true`: its window was full, say) goes to
 * another worker, as README says. It must not mark the worker that could
 * not take it as leaving: `ANY` tries a leaving worker last, and only a
 * `ready` event about it clears that, which never comes for a worker that
 * never left. The worker was passed over by `ANY` for good.
 */

import assert from "node:assert/strict";
import { ANY, MANAGER } from "../mod.ts";
import { hostB } from "./host_b.ts";
import { waitFor } from "./helpers.ts";

Deno.test("a worker another host could not hand a request to ANY is still chosen by ANY afterwards", async () => {
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
  const any = b.router.request("workRequest", { n: 1 }, { to: ANY, timeout: 10_000 });
  const toA = JSON.parse(b.link.sent.at(-1)!.payload);
  assert.equal(b.link.sent.at(-1)!.to, 5);
  // Host "a" could not take it now: never delivered, so it goes to worker 0.
  b.link.toManager(JSON.stringify({
    action: "workResponse",
    messageId: toA.messageId,
    re: true,
    error: { name: "UnreachableError", message: 'host "a" cannot take it now', undelivered: true },
    data: toA.data,
  }));
  for (const data of ["busy", { n: 1 }]) {
    const { messageId } = JSON.parse(await worker.receives(requestTo0(data)));
    const answer = { action: "workResponse", messageId, re: true, data: { by: 0 } };
    worker.endpoint.send(MANAGER, JSON.stringify(answer));
  }
  assert.deepEqual(await waitFor(any, "the request to ANY"), { by: 0 });
  await busy;
  // Nothing open to either now: ANY takes them in turn, worker 5 among them.
  const sentBefore = b.link.sent.length;
  for (let n = 0; n < 4; n++) assert.equal(b.router.sendMessage("note", n, ANY), 1);
  const toWorker5 = b.link.sent.slice(sentBefore).filter((sent) => sent.to === 5).length;
  assert.equal(toWorker5, 2, "worker 5 took its turns");
});
