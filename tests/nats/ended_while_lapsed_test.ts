/**
 * A process of a host whose keys may have lapsed ends: that news waits for
 * a refresh to settle whose the process's address is. Kept, the other
 * hosts are told; lost, another process holds it now, and they are not
 * (they would fail what they asked of that one).
 */

import assert from "node:assert/strict";
import { ENDED } from "../../src/nats/envelope.ts";
import type { NatsLink } from "../../src/nats/link.ts";
import type { FakeLapse } from "./fake_connection.ts";
import { lapsedB, published } from "./lapsed_host.ts";

/** Host b's link, its keys lapsed, and the ENDED envelopes it published, as "<subject> ended <from>". */
function lapsedEnder(): { link: NatsLink; lapse: FakeLapse; ends: () => string[] } {
  const { link, lapse, envelopes } = lapsedB((error) => assert.fail(error));
  const ends = () => {
    const said: string[] = [];
    envelopes((subject, envelope) => {
      if (envelope.kind === ENDED) said.push(`${subject} ended ${String(envelope.from)}`);
    });
    return said;
  };
  return { link, lapse, ends };
}

Deno.test("a process that ends while its host's keys may have lapsed is told once they are kept", async () => {
  const { link, lapse, ends } = lapsedEnder();
  link.ended(0, "worker 0 crashed");
  await published();
  assert.deepEqual(ends(), [], "nothing said while another may hold worker 0");
  lapse.refreshed(true);
  await published();
  assert.deepEqual(ends(), ["p.a ended 0"]);
  await link.close();
});

Deno.test("a process that ends while its host's keys may have lapsed is not told once one is lost", async () => {
  const { link, lapse, ends } = lapsedEnder();
  link.ended(0, "worker 0 crashed");
  lapse.refreshed(false);
  // Were it kept after all, next round, nothing is left to tell.
  lapse.refreshed(true);
  await published();
  assert.deepEqual(ends(), []);
  await link.close();
});
