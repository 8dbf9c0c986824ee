import assert from "node:assert/strict";
import { InFlight } from "../../src/nats/in_flight.ts";

Deno.test("InFlight confirms by number, those lost before it included", () => {
  const inFlight = new InFlight();
  for (let seq = 0; seq < 5; seq++) inFlight.add(seq, (seq + 1) * 10, 0, seq);
  assert.equal(inFlight.confirm(1), 20);
  assert.equal(inFlight.confirm(1), undefined, "nothing more up to 1");
  // 2 and 3 were lost on the way; 4 came, and confirms them too.
  assert.equal(inFlight.confirm(4), 50);
  assert.equal(inFlight.confirm(9), undefined);
  for (let seq = 5; seq < 5000; seq++) inFlight.add(seq, (seq + 1) * 10, 0, seq);
  assert.equal(inFlight.confirm(3000), 30_010);
  assert.equal(inFlight.confirm(4999), 50_000, "still right after letting go of the confirmed");
});

Deno.test("InFlight tells who sent what is not confirmed, to whom, oldest first", () => {
  const inFlight = new InFlight();
  for (let seq = 0; seq < 2000; seq++) inFlight.add(seq, seq + 1, seq % 2 ? "logger" : 1, seq);
  inFlight.confirm(1996);
  assert.deepEqual(inFlight.unconfirmed(), [
    { from: "logger", to: 1997 },
    { from: 1, to: 1998 },
    { from: "logger", to: 1999 },
  ]);
  inFlight.confirm(1999);
  assert.deepEqual(inFlight.unconfirmed(), []);
});
