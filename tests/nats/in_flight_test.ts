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

Deno.test("InFlight counts what is not confirmed, by sender and target", () => {
  const inFlight = new InFlight();
  for (let seq = 0; seq < 2000; seq++) inFlight.add(seq, seq + 1, seq % 2 ? "logger" : 1, seq % 3);
  inFlight.confirm(1994);
  // 1995 to 1999 are left: "logger" sent 1995, 1997 and 1999 (to 0, 2, 1), 1 sent 1996 and 1998 (to 1, 0).
  assert.equal(inFlight.unconfirmed, 5);
  assert.deepEqual(
    inFlight.unconfirmedByWay(),
    new Map<unknown, Map<unknown, number>>([
      ["logger", new Map([[0, 1], [2, 1], [1, 1]])],
      [1, new Map([[1, 1], [0, 1]])],
    ]),
  );
  inFlight.confirm(1999);
  assert.equal(inFlight.unconfirmed, 0);
  assert.deepEqual(inFlight.unconfirmedByWay(), new Map());
});

Deno.test("InFlight tells who sent the messages between two numbers, to whom", () => {
  const inFlight = new InFlight();
  for (let seq = 0; seq < 8; seq++) inFlight.add(seq, seq + 1, seq % 2 ? "logger" : 1, 0);
  inFlight.confirm(2);
  // 3 to 5 lost: "logger" sent 3 and 5, 1 sent 4.
  assert.deepEqual(
    inFlight.between(3, 6),
    new Map<unknown, Map<unknown, number>>([["logger", new Map([[0, 2]])], [1, new Map([[0, 1]])]]),
  );
  assert.deepEqual(inFlight.between(0, 3), new Map(), "confirmed: none");
});
