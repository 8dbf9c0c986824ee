/**
 * A process of a host whose keys may have lapsed ends: that news waits for
 * a refresh to settle whose the process's address is. Kept, the other
 * hosts are told; lost, another process holds it now, and they are not
 * (they would fail what they asked of that one).
 */

import assert from "node:assert/strict";
import { ENDED, readEnvelopes } from "../../src/nats/envelope.ts";
import { NatsLink } from "../../src/nats/link.ts";
import { fakeConnection, FakeLapse, members } from "./fake_connection.ts";

/** Host b's link, its keys lapsed, and the ENDED envelopes it published, as "<subject> ended <from>". */
function lapsedB(): { link: NatsLink; lapse: FakeLapse; ends: () => string[] } {
  const a = { host: "a", workers: [5], services: [] };
  const b = { host: "b", workers: [0], services: [] };
  const published: [string, Uint8Array][] = [];
  const lapse = new FakeLapse();
  lapse.lapsed = true;
  const link = new NatsLink(fakeConnection(published), members(b, [a, b], lapse), {
    prefix: "p",
    inbox: { take: () => {}, drain: () => Promise.resolve() },
    window: 1 << 20,
    report: (error) => assert.fail(error),
  });
  const ends = () => {
    const said: string[] = [];
    for (const [subject, bytes] of published) {
      readEnvelopes(bytes, (envelope) => {
        if (envelope.kind === ENDED) said.push(`${subject} ended ${String(envelope.from)}`);
      });
    }
    return said;
  };
  return { link, lapse, ends };
}

/** Resolves once what this task published has gone (batches go at its end). */
const published = () => new Promise<void>((resolve) => queueMicrotask(resolve));

Deno.test("a process that ends while its host's keys may have lapsed is told once they are kept", async () => {
  const { link, lapse, ends } = lapsedB();
  link.ended(0, "worker 0 crashed");
  await published();
  assert.deepEqual(ends(), [], "nothing said while another may hold worker 0");
  lapse.refreshed(true);
  await published();
  assert.deepEqual(ends(), ["p.a ended 0"]);
  await link.close();
});

Deno.test("a process that ends while its host's keys may have lapsed is not told once one is lost", async () => {
  const { link, lapse, ends } = lapsedB();
  link.ended(0, "worker 0 crashed");
  lapse.refreshed(false);
  // Were it kept after all, next round, nothing is left to tell.
  lapse.refreshed(true);
  await published();
  assert.deepEqual(ends(), []);
  await link.close();
});
