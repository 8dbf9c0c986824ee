/**
 * What other hosts send to a host's children before they have joined its
 * manager is held and delivered once they join, not bounced: a host is in
 * the membership, and gets traffic, from before its children run.
 */

import assert from "node:assert/strict";
import { HeldUntilJoined, HOLD_LIMIT } from "../src/held_until_joined.ts";
import { openUnixEndpoint } from "../src/unix/transport.ts";
import { fakeLink, gatewayOfB } from "./fake_link.ts";
import { waitFor } from "./helpers.ts";

Deno.test("held payloads wait per child, in order, within the limit, until it joins or the host closes", () => {
  const held = new HeldUntilJoined([0, "logger"]);
  const bytes = (n: number) => new Uint8Array([n]);
  assert.equal(held.hold(5, 0, bytes(1)), "held");
  assert.equal(held.hold(6, 0, bytes(2)), "held");
  assert.equal(held.hold(5, 9, bytes(3)), "joined", "no child of this host: delivered as before");
  assert.equal(held.hold(5, "logger", new Uint8Array(HOLD_LIMIT + 1)), "full");
  assert.equal(held.hold(5, "logger", bytes(4)), "held");
  assert.deepEqual(held.release(0), [{ from: 5, payload: bytes(1) }, {
    from: 6,
    payload: bytes(2),
  }]);
  assert.equal(held.hold(5, 0, bytes(5)), "joined", "joined once: delivered from then on");
  assert.deepEqual(held.close(), [["logger", [{ from: 5, payload: bytes(4) }]]]);
  assert.equal(held.hold(5, "logger", bytes(6)), "joined", "closed: nothing is held any more");
});

Deno.test("a message from another host for a child that has not joined yet reaches it once it joins", async () => {
  const link = fakeLink();
  const { unix, endpoint: manager, options } = await gatewayOfB(
    link,
    (error) => assert.fail(error),
  );
  manager.receive({ deliver() {}, gone() {} });
  try {
    link.from('{"action":"first"}');
    link.from('{"action":"second"}');
    assert.deepEqual(link.bounced, [], "held, not bounced");
    const child = await openUnixEndpoint(unix.childConfig, 0, options);
    const received: string[] = [];
    const both = Promise.withResolvers<void>();
    child.receive({
      deliver(from, payloads) {
        for (const payload of payloads) {
          received.push(`${from}: ${new TextDecoder().decode(payload)}`);
        }
        if (received.length === 2) both.resolve();
      },
      gone() {},
    });
    await waitFor(both.promise, "the held messages at worker 0");
    assert.deepEqual(received, ['5: {"action":"first"}', '5: {"action":"second"}']);
    child.close();
    await child.closed;
  } finally {
    manager.close();
    await manager.closed;
    await unix.close();
  }
});
