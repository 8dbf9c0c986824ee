import assert from "node:assert/strict";
import {
  ACCEPT_RETRY,
  type Accepting,
  AcceptLoop,
  MAX_ACCEPT_RETRY,
} from "../../src/unix/accept_loop.ts";
import { type Clock, SYSTEM_CLOCK } from "../../src/clock.ts";
import { FakeClock, turn } from "../fake_clock.ts";

/** What each accept does in turn: fail with the error, or give the connection; then wait for close. */
type Outcome = Error | Deno.Conn;

/** A listener whose accepts go as scripted, counting them. */
class ScriptedListener implements Accepting {
  accepts = 0;
  readonly #script: Outcome[];
  readonly #closed = Promise.withResolvers<never>();

  constructor(script: Outcome[]) {
    this.#script = [...script];
    this.#closed.promise.catch(() => {});
  }

  accept(): Promise<Deno.Conn> {
    this.accepts++;
    const next = this.#script.shift();
    if (next === undefined) return this.#closed.promise;
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  }

  close(): void {
    this.#closed.reject(new Deno.errors.BadResource("Listener has been closed"));
  }
}

const outOfFiles = () => new Error("Too many open files (os error 24)");
const conn = (n: number) => ({ rid: n }) as unknown as Deno.Conn;

/** A loop over `script` on a fake clock, iterated: what it yielded and reported, and its end. */
function looping(script: Outcome[]) {
  const clock = new FakeClock();
  const listener = new ScriptedListener(script);
  const reports: string[] = [];
  const loop = new AcceptLoop(listener, (error) => reports.push(error.message), clock);
  const accepted: Deno.Conn[] = [];
  let ended = false;
  const done = (async () => {
    for await (const conn of loop) accepted.push(conn);
    ended = true;
  })();
  return { clock, listener, reports, loop, accepted, done, ended: () => ended };
}

/**
 * Asserts that the next accept comes `ms` after the last, not a millisecond
 * sooner (`then` accepts in a row: one that succeeds is followed at once).
 */
async function assertPause(
  { clock, listener }: { clock: FakeClock; listener: ScriptedListener },
  ms: number,
  then = 1,
): Promise<void> {
  const accepts = listener.accepts;
  clock.advance(ms - 1);
  await turn();
  assert.equal(listener.accepts, accepts, `no accept within ${ms - 1} ms`);
  clock.advance(1);
  await turn();
  assert.equal(listener.accepts, accepts + then, `${then} accepts after ${ms} ms`);
}

Deno.test("a failed accept is reported, and tried again after a pause doubled up to a second", async () => {
  const pauses = [10, 20, 40, 80, 160, 320, 640, 1_000, 1_000];
  assert.equal(ACCEPT_RETRY, pauses[0]);
  assert.equal(MAX_ACCEPT_RETRY, 1_000);
  const state = looping(pauses.map(outOfFiles));
  await turn();
  assert.equal(state.listener.accepts, 1);
  for (const [n, pause] of pauses.entries()) {
    assert.equal(state.reports.length, n + 1);
    await assertPause(state, pause);
  }
  assert.deepEqual(new Set(state.reports), new Set(["Too many open files (os error 24)"]));
  assert.equal(state.clock.timers, 0);
  state.loop.close();
  await state.done;
  assert.equal(state.reports.length, pauses.length);
});

Deno.test("a connection accepted sets the pause back to the first", async () => {
  const state = looping([outOfFiles(), outOfFiles(), conn(1), outOfFiles(), conn(2)]);
  await turn();
  await assertPause(state, 10);
  // A connection, then at once the fourth accept, which fails.
  await assertPause(state, 20, 2);
  assert.deepEqual(state.accepted, [conn(1)]);
  // Not 40: the connection set it back.
  await assertPause(state, 10, 2);
  assert.deepEqual(state.accepted, [conn(1), conn(2)]);
  assert.equal(state.reports.length, 3);
  state.loop.close();
  await state.done;
});

Deno.test("close() during a pause ends the loop at once, with no timer left", async () => {
  const state = looping([outOfFiles(), outOfFiles()]);
  await turn();
  await assertPause(state, 10);
  assert.equal(state.clock.timers, 1);
  state.loop.close();
  await state.done;
  assert.ok(state.ended());
  assert.equal(state.clock.timers, 0);
  assert.equal(state.listener.accepts, 2);
  state.loop.close(); // Idempotent.
});

Deno.test("close() during a pause on the machine's timers leaves none running", async () => {
  // The machine's timers, each a thousand times longer: a pause of 10 s,
  // which the sanitizers report if it outlives the test.
  const slow: Clock = {
    ...SYSTEM_CLOCK,
    setTimeout: (callback, ms) => SYSTEM_CLOCK.setTimeout(callback, ms * 1_000),
  };
  const listener = new ScriptedListener([outOfFiles()]);
  const reports: Error[] = [];
  const loop = new AcceptLoop(listener, (error) => reports.push(error), slow);
  const next = loop[Symbol.asyncIterator]().next();
  await turn();
  assert.equal(reports.length, 1);
  let ended: IteratorResult<Deno.Conn> | "still paused" = "still paused";
  next.then((result) => ended = result);
  loop.close();
  await turn();
  assert.deepEqual(ended, { done: true, value: undefined });
  assert.equal(listener.accepts, 1);
});

Deno.test("a listener closed under the loop ends it quietly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/s.sock`;
    const listener = Deno.listen({ transport: "unix", path });
    const reports: Error[] = [];
    const connections = new AcceptLoop(listener, (error) => reports.push(error))
      [Symbol.asyncIterator]();
    const client = await Deno.connect({ transport: "unix", path });
    const accepted = await connections.next();
    assert.ok(!accepted.done);
    listener.close();
    assert.deepEqual(await connections.next(), { done: true, value: undefined });
    assert.deepEqual(reports, []);
    client.close();
    accepted.value.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("close() ends an accept waiting on a real listener quietly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const reports: Error[] = [];
    const loop = new AcceptLoop(
      Deno.listen({ transport: "unix", path: `${dir}/s.sock` }),
      (error) => reports.push(error),
    );
    const done = (async () => {
      for await (const conn of loop) conn.close();
    })();
    await turn();
    loop.close();
    await done;
    assert.deepEqual(reports, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
