/**
 * A request whose answer carries nothing (`deleteResponse: undefined`, as
 * README's `statsRequest: undefined` has no data) is answered by a handler
 * that returns nothing: the requester gets `undefined`. Its type refused
 * such a handler written as one naturally is, `() => {}` or
 * `async ({ id }) => { await remove(id); }`: "Type 'void' is not
 * assignable to type 'undefined'" (trial 20). `refused` is checked by
 * `deno check`, never run; the test runs `acknowledging`.
 */

import assert from "node:assert/strict";
import { Cluster, MANAGER, type Peer } from "../mod.ts";

type Store = {
  deleteRequest: { id: string };
  deleteResponse: undefined;
  pingRequest: undefined;
  pingResponse: undefined;
  sizeRequest: undefined;
  sizeResponse: number;
};

export function acknowledging(peer: Peer<Store>, removed: string[]): void {
  peer.handle("pingRequest", () => {});
  peer.handle("deleteRequest", async ({ id }) => {
    await Promise.resolve();
    removed.push(id);
  });
}

export function refused(peer: Peer<Store>): void {
  // @ts-expect-error: an answer with data must be given
  peer.handle("sizeRequest", () => {});
  // @ts-expect-error: likewise, awaited
  peer.handle("sizeRequest", async () => {
    await Promise.resolve();
  });
  // @ts-expect-error: and of the right type
  peer.handle("deleteRequest", () => 1);
}

Deno.test("a handler that returns nothing answers a request whose response holds nothing", async () => {
  await using cluster = await Cluster.start<Store>({ workers: 0 });
  const removed: string[] = [];
  acknowledging(cluster, removed);
  assert.equal(await cluster.request("deleteRequest", { id: "a" }, { to: MANAGER }), undefined);
  assert.equal(await cluster.request("pingRequest", undefined, { to: MANAGER }), undefined);
  assert.deepEqual(removed, ["a"]);
});
