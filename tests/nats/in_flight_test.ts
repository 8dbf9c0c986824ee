import assert from "node:assert/strict";
import { InFlight } from "../../src/nats/in_flight.ts";

Deno.test("InFlight confirms by number, those lost before it included", () => {
  const inFlight = new InFlight();
  for (let seq = 0; seq < 5; seq++) inFlight.add(seq, (seq + 1) * 10);
  assert.equal(inFlight.confirm(1), 20);
  assert.equal(inFlight.confirm(1), undefined, "nothing more up to 1");
  // 2 and 3 were lost on the way; 4 came, and confirms them too.
  assert.equal(inFlight.confirm(4), 50);
  assert.equal(inFlight.confirm(9), undefined);
  for (let seq = 5; seq < 5000; seq++) inFlight.add(seq, (seq + 1) * 10);
  assert.equal(inFlight.confirm(3000), 30_010);
  assert.equal(inFlight.confirm(4999), 50_000, "still right after letting go of the confirmed");
});
