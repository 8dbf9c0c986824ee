import assert from "node:assert/strict";
import { deadline } from "../src/deadline.ts";
import { FakeClock } from "./fake_clock.ts";

Deno.test("deadline resolves with the promise when it is in time", async () => {
  assert.equal(await deadline(Promise.resolve(5), 1000, () => new Error("late")), 5);
});

Deno.test("deadline passes the promise's rejection through", async () => {
  await assert.rejects(
    deadline(Promise.reject(new RangeError("no")), 1000, () => new Error("late")),
    RangeError,
  );
});

Deno.test("deadline rejects with the timeout error when the promise is late", async () => {
  const never = new Promise<never>(() => {});
  await assert.rejects(deadline(never, 1, () => new Error("late")), /late/);
});

Deno.test("deadline past what a timer can hold (some 24 days) waits for the promise", async () => {
  // A timer given more than 2^31 - 1 ms fires after 1 ms; the promise here comes after 10.
  const later = new Promise((resolve) => setTimeout(() => resolve("in time"), 10));
  assert.equal(await deadline(later, 2 ** 31 + 1000, () => new Error("late")), "in time");
});

Deno.test("deadline counts on the clock it is given, and leaves no timer on it", async () => {
  const clock = new FakeClock();
  const never = new Promise<never>(() => {});
  const late = deadline(never, 500, () => new Error("late"), clock);
  clock.advance(499);
  assert.equal(clock.timers, 1);
  clock.advance(1);
  await assert.rejects(late, /late/);
  assert.equal(
    await deadline(Promise.resolve("in time"), 500, () => new Error("late"), clock),
    "in time",
  );
  assert.equal(clock.timers, 0);
});
