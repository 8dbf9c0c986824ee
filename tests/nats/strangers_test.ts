import assert from "node:assert/strict";
import { REPORT_EVERY, Strangers } from "../../src/nats/strangers.ts";
import { FakeClock } from "../fake_clock.ts";

/** Strangers on a fake clock, and the messages it reported. */
function onFakeClock() {
  const clock = new FakeClock();
  const reports: string[] = [];
  return {
    clock,
    reports,
    strangers: new Strangers((error) => reports.push(error.message), clock),
  };
}

Deno.test("the first envelope dropped from a host that is not a member is reported at once", () => {
  const { reports, strangers } = onFakeClock();
  strangers.dropped("ghost-1");
  assert.deepEqual(reports, [
    '1 envelope from hosts that are not members of the cluster was dropped (the last from host "ghost-1")',
  ]);
});

Deno.test("envelopes dropped after the first are reported as one count, once a while has passed", () => {
  const { clock, reports, strangers } = onFakeClock();
  for (let n = 0; n < 1_000; n++) strangers.dropped(`ghost-${n}`);
  assert.equal(reports.length, 1);
  clock.advance(REPORT_EVERY - 1);
  assert.equal(reports.length, 1);
  clock.advance(1);
  assert.deepEqual(reports.slice(1), [
    '999 envelopes from hosts that are not members of the cluster were dropped (the last from host "ghost-999")',
  ]);
  // Nothing since: nothing more said, and no timer left.
  clock.advance(REPORT_EVERY);
  assert.equal(reports.length, 2);
  assert.equal(clock.timers, 0);
  strangers.dropped("ghost-x");
  assert.equal(reports.length, 3);
});

Deno.test("what was dropped and not reported yet is reported as the link stops, and nothing after", () => {
  const { clock, reports, strangers } = onFakeClock();
  strangers.dropped("ghost-1");
  strangers.dropped("ghost-2");
  strangers.dropped("ghost-3");
  strangers.stop();
  assert.deepEqual(reports.slice(1), [
    '2 envelopes from hosts that are not members of the cluster were dropped (the last from host "ghost-3")',
  ]);
  assert.equal(clock.timers, 0);
  strangers.dropped("ghost-4");
  strangers.stop();
  assert.equal(reports.length, 2);
  assert.equal(clock.timers, 0);
});
