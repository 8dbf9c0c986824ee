/**
 * Malformed `$sync` frames to the manager (README "Protocol", Control
 * frames: `{id}`, `{id, for}` or `{id, started}`), sent by a service
 * written against the wire (`fixtures/hostile_frames.ts`) while requests
 * flow: each is a bad frame, refused with a `FrameError` that names its
 * sender and what is wrong, and closes only the connection it came on, as
 * any other malformed control frame does. Before, the manager read
 * whatever came: `started: "no"` was answered at once, a `for` of no
 * process held nothing, and no `id` got an answer nobody waited for.
 */

import assert from "node:assert/strict";
import { Cluster, MANAGER } from "../mod.ts";
import { nextMessage, waitFor, WORKER } from "./helpers.ts";

const HOSTILE = new URL("./fixtures/hostile_frames.ts", import.meta.url);
const SENDER = 'service "hostile"';

/** Each `$sync` data the manager must refuse, and the end of what it says. */
const MALFORMED: [unknown, string][] = [
  [undefined, "whose data is undefined, not {id}, {id, for} or {id, started}"],
  [null, "whose data is null, not {id}, {id, for} or {id, started}"],
  ["x", "whose data is string, not {id}, {id, for} or {id, started}"],
  [[1], "whose data is an array, not {id}, {id, for} or {id, started}"],
  [{}, "whose id is missing, not an integer >= 0"],
  [{ id: "1" }, 'whose id is "1", not an integer >= 0'],
  [{ id: -1 }, "whose id is -1, not an integer >= 0"],
  [{ id: 1.5 }, "whose id is 1.5, not an integer >= 0"],
  [{ id: 1, for: {} }, 'whose "for" is {}, not a process\'s address'],
  [{ id: 1, for: "" }, 'whose "for" is "", not a process\'s address'],
  [{ id: 1, started: "no" }, 'whose "started" is "no", not true'],
  [{ id: 1, for: 0, started: true }, 'with both "for" and "started"'],
];

function framed(data: unknown): string {
  const payload = new TextEncoder().encode(JSON.stringify({ action: "$sync", data }));
  const frame = new Uint8Array(4 + payload.length);
  new DataView(frame.buffer).setUint32(0, payload.length);
  frame.set(payload, 4);
  return btoa(String.fromCharCode(...frame));
}

Deno.test("a malformed $sync to the manager is a bad frame that closes only its connection", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    processes: { hostile: HOSTILE },
  });
  const errors: string[] = [];
  cluster.onError((error) => errors.push(error.message));
  const pid = cluster.pid(0);
  const attacked = nextMessage(cluster, "attacked", (m) => m.from === "hostile", 60_000);
  cluster.getProcess("hostile").send("attack", {
    targets: [MANAGER],
    frames: MALFORMED.map(([data]) => framed(data)),
  });
  // Meanwhile requests go to the worker and back.
  let done = false;
  const traffic = (async () => {
    let answered = 0;
    for (; !done; answered++) await cluster.request("echoRequest", answered, { to: 0 });
    return answered;
  })();
  const outcomes = (await waitFor(attacked, "the attack", 60_000)).data as Record<string, string[]>;
  done = true;
  assert.ok(await traffic > 0);
  assert.deepEqual(outcomes[MANAGER], MALFORMED.map(() => "closed"));
  // Besides bad frames, only a refused connection is clear (the attacker's rejoin, had the
  // manager not let go of its last attack yet).
  const seen = errors.filter((error) => error.startsWith(`Bad frame from ${SENDER}: `));
  for (const error of errors) {
    if (!seen.includes(error)) assert.match(error, /^Refused a connection to /);
  }
  // In the order sent: each frame went on a connection of its own, once the one before closed.
  assert.deepEqual(
    seen,
    MALFORMED.map(([, what]) => `Bad frame from ${SENDER}: a "$sync" ${what}`),
  );
  assert.equal(cluster.pid(0), pid);
  assert.ok(cluster.stats().children.every((c) => c.restarts === 0));
});
