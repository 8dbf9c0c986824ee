import assert from "node:assert/strict";
import {
  bounceBody,
  gapBody,
  highestBody,
  readBounce,
  readGap,
  readHighest,
  readResume,
  resumeBody,
} from "../../src/nats/bodies.ts";

Deno.test("envelope bodies read back as written; a body of the wrong shape reads as nothing", () => {
  assert.equal(readHighest(highestBody(41)), 41);
  assert.equal(readHighest(highestBody(-1)), -1, "a bye from a host that had none");
  assert.equal(readHighest(new Uint8Array(7)), undefined);
  assert.deepEqual(readResume(resumeBody(7, 12)), { epoch: 7, sent: 12 });
  assert.deepEqual(readResume(resumeBody(7, 2 ** 32 + 5)), { epoch: 7, sent: 2 ** 32 + 5 });
  assert.equal(readResume(new Uint8Array(9)), undefined);
  assert.equal(readResume(resumeBody(7, 0.5)), undefined, "a count is a whole number");
  assert.deepEqual(readGap(gapBody(7, 3)), { epoch: 7, first: 3 });
  assert.equal(readGap(new Uint8Array(0)), undefined, "sent before the sender forgot");
  assert.deepEqual(readBounce(bounceBody("worker 3 stopped", { action: "tick" })), {
    reason: "worker 3 stopped",
    action: "tick",
  });
  assert.deepEqual(readBounce(bounceBody("worker 3 stopped")), {
    reason: "worker 3 stopped",
    action: undefined,
  });
  assert.deepEqual(readBounce(bounceBody("worker 3 ended", { count: 3 })), {
    reason: "worker 3 ended",
    action: undefined,
    count: 3,
  }, "the count of the messages it stands for, when more than one");
  assert.deepEqual(
    readBounce(bounceBody("worker 3 ended", { count: 2, ended: true, away: true })),
    {
      reason: "worker 3 ended",
      action: undefined,
      count: 2,
      away: true,
      ended: true,
    },
  );
  // From a host before bounces named the action: the reason as text.
  const text = new TextEncoder().encode("worker 3 is not connected");
  assert.deepEqual(readBounce(text), { reason: "worker 3 is not connected" });
  const odd = new TextEncoder().encode('{"reason":5,"action":["x"]}');
  assert.deepEqual(readBounce(odd), { reason: '{"reason":5,"action":["x"]}' });
});
