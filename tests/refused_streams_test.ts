/**
 * What a manager remembers of the streams its children answer to other
 * hosts, one part of which the link refused: only the pair that sent it is
 * read for it, its end or time lets it go.
 */

import assert from "node:assert/strict";
import type { WireMessage } from "../src/codec.ts";
import { RefusedStreams, REMEMBERED_FOR } from "../src/refused_streams.ts";
import { FakeClock } from "./fake_clock.ts";

const part = (messageId: string): WireMessage => ({
  action: "genResponse",
  messageId,
  re: true,
  part: true,
});
const end = (messageId: string): WireMessage => ({ action: "genResponse", messageId, re: true });

Deno.test("a refused stream's later parts and end go no further; its end lets it go", () => {
  const streams = new RefusedStreams(new FakeClock());
  streams.refused(0, 5, { action: "note", data: 1 });
  assert.equal(streams.watches(0, 5), false, "not a stream's part: nothing to remember");
  streams.refused(0, 5, part("s1"));
  assert.equal(streams.watches(0, 5), true);
  assert.equal(streams.watches(0, 6), false, "another target's traffic is not read for it");
  assert.equal(streams.watches(1, 5), false, "nor another child's");
  assert.equal(streams.broken(0, 5, part("s2")), false, "another stream goes on");
  assert.equal(streams.broken(0, 5, part("s1")), true);
  assert.equal(streams.broken(0, 5, end("s1")), true);
  assert.equal(streams.watches(0, 5), false, "forgotten with its end");
});

Deno.test("a refused stream whose end never comes (its handler stopped) is forgotten in time, or with its child", () => {
  const clock = new FakeClock();
  const streams = new RefusedStreams(clock);
  streams.refused(0, 5, part("s1"));
  clock.advance(REMEMBERED_FOR - 1);
  assert.equal(streams.broken(0, 5, part("s1")), true);
  clock.advance(1);
  assert.equal(streams.broken(0, 5, part("s1")), false);
  assert.equal(streams.watches(0, 5), false);
  streams.refused(0, 5, part("s2"));
  streams.childChanged(0);
  assert.equal(streams.watches(0, 5), false);
});
