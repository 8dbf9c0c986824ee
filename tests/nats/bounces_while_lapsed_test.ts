/**
 * A host whose keys may have lapsed refuses what one of its processes was
 * sent (a bounce: the process stopped before it could take it, say): the
 * bounce waits for a refresh to settle whose the process's address is, as
 * the news of an end does. Before, it went at once, under the name another
 * process may hold: a request refused so failed, on the sender's host,
 * what the sender had open with that process's namesake. Kept, the bounce
 * goes; lost, it is dropped and said here, where it was made, saying why.
 */

import assert from "node:assert/strict";
import { UnreachableError } from "../../src/errors.ts";
import { readBounce } from "../../src/nats/bodies.ts";
import { BOUNCE } from "../../src/nats/envelope.ts";
import { MOST_HELD } from "../../src/nats/held_bounces.ts";
import { lapsedB, published } from "./lapsed_host.ts";

/** Host b's link, its keys lapsed, what it reported, and its bounces, as "<subject> <from>→<to>: <reason>". */
function lapsedBouncer() {
  const reports: Error[] = [];
  const { link, lapse, envelopes } = lapsedB((error) => reports.push(error));
  const bounces = () => {
    const said: string[] = [];
    envelopes((subject, envelope) => {
      if (envelope.kind !== BOUNCE) return;
      const { reason } = readBounce(envelope.body);
      said.push(`${subject} ${String(envelope.from)}→${String(envelope.to)}: ${reason}`);
    });
    return said;
  };
  return { link, lapse, reports, bounces };
}

const STOPPED = "worker 0 stopped before it could take it";

Deno.test("a bounce made while its host's keys may have lapsed goes once they are kept", async () => {
  const { link, lapse, reports, bounces } = lapsedBouncer();
  link.bounce(5, 0, STOPPED, { action: "jobRequest" });
  await published();
  assert.deepEqual(bounces(), [], "nothing said while another may hold worker 0");
  lapse.refreshed(true);
  await published();
  assert.deepEqual(bounces(), [`p.a 5→0: ${STOPPED}`]);
  assert.deepEqual(reports, []);
  await link.close();
});

Deno.test("a bounce made while its host's keys may have lapsed is dropped, and said here, once one is lost", async () => {
  const { link, lapse, reports, bounces } = lapsedBouncer();
  link.bounce(5, 0, STOPPED, { count: 2 });
  lapse.refreshed(false);
  // Were it kept after all, next round, nothing is left to tell.
  lapse.refreshed(true);
  await published();
  assert.deepEqual(bounces(), []);
  assert.equal(reports.length, 1);
  assert.ok(reports[0] instanceof UnreachableError);
  assert.equal(
    reports[0].message,
    "2 messages from other hosts were not delivered here, and their senders were not told: " +
      "this host's keys in the membership bucket expired, and another process took its name",
  );
  await link.close();
});

Deno.test("bounces past what may wait while its host's keys may have lapsed are said here as such", async () => {
  const { link, lapse, reports, bounces } = lapsedBouncer();
  for (let i = 0; i < MOST_HELD + 3; i++) link.bounce(5, 0, STOPPED);
  lapse.refreshed(true);
  await published();
  assert.equal(bounces().length, MOST_HELD);
  assert.deepEqual(reports.map((error) => error.message), [
    "3 messages from other hosts were not delivered here, and their senders were not told: " +
    "this host's keys in the membership bucket may have expired, and another process may hold its name",
  ]);
  await link.close();
});

Deno.test("bounces still held as a host whose keys may have lapsed stops are said here", async () => {
  const { link, reports, bounces } = lapsedBouncer();
  link.bounce(5, 0, STOPPED);
  await link.close();
  assert.deepEqual(bounces(), [], "none under the name another may hold");
  assert.deepEqual(reports.map((error) => error.message), [
    "1 message from other hosts was not delivered here, and their senders were not told: " +
    "this host's keys in the membership bucket may have expired, and another process may hold its name",
  ]);
});
