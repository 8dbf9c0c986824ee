/**
 * Review 12: natsBroker() took any `window`. Given NaN (a `Number()` of an
 * unset setting, say) every check against it passed: no backpressure and
 * no size limit to another host, so a 2 MB message was counted sent
 * (`sendMessage` returned 1), NATS refused it unnamed to `onError`
 * ("InvalidArgumentError: 'payload' max_payload size exceeded"), its
 * request timed out instead of failing at once, and the next request failed
 * with the gap that loss left. Given 0 or less, every message to another
 * host was refused as over a 0-byte limit. Refused at once, as a bad
 * `heartbeat` is (whose error showed NaN as "null").
 */

import assert from "node:assert/strict";
import { natsBroker, type NatsBrokerOptions } from "../nats.ts";
import { NATS } from "./nats/hosts.ts";

Deno.test("natsBroker() refuses a window that is not a number of bytes over 0", () => {
  const base = { servers: NATS, cluster: "c" };
  for (const window of [NaN, 0, -1, "8MB"]) {
    assert.throws(
      () => natsBroker({ ...base, window } as NatsBrokerOptions),
      new TypeError(
        `natsBroker(): "window" must be a number of bytes over 0, got ${
          typeof window === "string" ? `"${window}"` : window
        }`,
      ),
    );
  }
  // A beat that is not a number was shown as JSON: NaN as "null".
  assert.throws(
    () => natsBroker({ ...base, heartbeat: NaN }),
    new TypeError(
      'natsBroker(): "heartbeat" must be a number of ms over 0 and at most 2147483647, got NaN',
    ),
  );
  natsBroker({ ...base, window: 1 << 20 });
  natsBroker({ ...base, window: Infinity });
});
