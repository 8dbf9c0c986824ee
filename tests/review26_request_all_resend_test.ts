/**
 * Review 26 (ce9e91e): requestAll() encodes its data once and sends that
 * encoding to each target. A target that refused it as it stopped, with
 * the data too large to come back in its refusal, was sent that encoding
 * again once its next process was ready: the JSON as it was at the call,
 * but the bytes of the caller's `Uint8Array`s as they are then. request()
 * sends the caller's objects as they hold then (README, "What data can
 * hold"), and refuses a buffer transferred away meanwhile with a FrameError;
 * requestAll() failed in the transport with a bare TypeError.
 */

import assert from "node:assert/strict";
import { hold, nextMessage, startCluster, waitFor } from "./helpers.ts";

Deno.test("requestAll() sends a refused request again as request() does: the caller's objects as they hold then", async () => {
  const maxFrameSize = 64 * 1024;
  await using cluster = await startCluster({ workers: 2, processes: {}, maxFrameSize });
  const held = await hold(cluster, [0]);
  const goodbye = nextMessage(cluster, "goodbye");
  Deno.kill(cluster.pid(0)!, "SIGTERM");
  await goodbye; // Its stop handlers ran: it refuses new requests.

  // Each refusal, with this data back in it, would be over maxFrameSize.
  const dataOf = () => ({ bytes: new Uint8Array(maxFrameSize - 200).fill(7), n: 1 });
  const [alone, ofAll] = [dataOf(), dataOf()];
  const [aloneDetached, ofAllDetached] = [dataOf(), dataOf()];
  const asked = [
    cluster.request("echoRequest", alone, { to: 0 }),
    cluster.request("echoRequest", aloneDetached, { to: 0 }),
  ].map((answer) => answer.then((data) => ({ data }), (error: Error) => ({ error })));
  const askedAll = [
    cluster.requestAll("echoRequest", ofAll, { to: [0] }),
    cluster.requestAll("echoRequest", ofAllDetached, { to: [0] }),
  ];
  // Changed after the call, while each request waits for worker 0's next process.
  for (const data of [alone, ofAll]) data.n = 2;
  for (const data of [aloneDetached, ofAllDetached]) data.bytes.buffer.transfer();
  cluster.sendMessage("release", {});
  await waitFor(Promise.all(held), "the held request");

  const [changed, detached] = await waitFor(Promise.all(asked), "request()'s answers");
  const [[changedOfAll], [detachedOfAll]] = await waitFor(
    Promise.all(askedAll),
    "requestAll()'s answers",
  );
  assert.equal((changed as { data: { data: { n: number } } }).data.data.n, 2);
  assert.equal(
    (changedOfAll as { data: { data: { n: number } } }).data?.data.n,
    2,
    "the data as the caller's objects hold it then, as request() sent it",
  );
  const error = (detached as { error: Error }).error;
  assert.equal(error.name, "FrameError");
  assert.match(error.message, /data\.bytes is a Uint8Array whose buffer was transferred away/);
  const errorOfAll = (detachedOfAll as { error?: Error }).error;
  assert.equal(errorOfAll?.name, "FrameError", `refused as request() refuses it: ${errorOfAll}`);
  assert.equal(errorOfAll.message, error.message);
});
