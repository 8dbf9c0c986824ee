// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 4: kill -9 the nats-server under cross-host traffic, restart it. */
import { check, cluster, Host, Nats } from "./lib.ts";

const nats = await Nats.start();
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
await a.ready;
const down = Number(Deno.args[0] ?? 1500);

const steady0 = a.command({
  op: "steady",
  name: "w0",
  to: 0,
  concurrency: 3,
  pause: 5,
  timeout: 20_000,
}, 120_000);
const steady2 = b.command({
  op: "steady",
  name: "w2",
  to: 2,
  concurrency: 3,
  pause: 5,
  timeout: 20_000,
}, 120_000);
const ticksA = a.command({ op: "ticks", to: 1, n: 6000, tag: "log6", per: 5, pause: 2 }, 120_000);
const ticksB = b.command({ op: "ticks", to: 3, n: 6000, tag: "log7", per: 5, pause: 2 }, 120_000);
const ticksM = a.command(
  { op: "ticks", to: "manager@b", n: 3000, tag: "m8", per: 5, pause: 4 },
  120_000,
);
await new Promise((r) => setTimeout(r, 800));
await nats.kill();
console.log("nats killed");
await new Promise((r) => setTimeout(r, down));
if (Deno.args[1] === "wipe") {
  await Deno.remove(nats.dir, { recursive: true });
  await Deno.mkdir(nats.dir);
  console.log("store wiped");
}
await nats.restart();
console.log("nats restarted");
const [ta, tb, tm] = await Promise.all([ticksA, ticksB, ticksM]);
// Wait for a round trip each way after.
const deadlineAt = Date.now() + 20_000;
let back = false;
while (Date.now() < deadlineAt && !back) {
  const r = await a.command({ op: "ask", action: "echo", to: 0, data: "x", timeout: 1000 });
  back = r.ok !== undefined;
}
check(back, "a reaches worker 0 again");
await a.command({ op: "stopSteady", name: "w0" });
await b.command({ op: "stopSteady", name: "w2" });
const [s0, s2] = await Promise.all([steady0, steady2]);
await new Promise((r) => setTimeout(r, 3000));
function account(sender: Host, receiver: Host, tag: string, t: any, to: string, byManager = false) {
  const handledLines = byManager
    ? []
    : receiver.lines.filter((l) => l.handled?.tag === tag).map((l) => l.handled.n);
  const handled = new Set(handledLines);
  const missing = t.countedList.filter((n: number) => !handled.has(n));
  let reported = 0;
  const rx = new RegExp(`to ${to}`);
  for (const l of sender.errors()) {
    if (!rx.test(l.error.message)) continue;
    const m = /^(\d+) messages/.exec(l.error.message);
    reported += m ? Number(m[1]) : /^A message/.test(l.error.message) ? 1 : 0;
  }
  const seq = handledLines;
  const outOfOrder = seq.filter((n, i) => i > 0 && n < seq[i - 1]).length;
  console.log(
    tag,
    "counted",
    t.counted,
    "refused",
    t.refused.length,
    "handled",
    handled.size,
    "missing",
    missing.length,
    "reported",
    reported,
    "outOfOrder",
    outOfOrder,
    "dups",
    seq.length - handled.size,
  );
  check(
    missing.length <= reported && outOfOrder === 0 && seq.length === handled.size,
    `${tag}: counted = handled + reported, in order, once`,
  );
}
account(a, b, "log6", ta, "worker 1");
account(b, a, "log7", tb, "worker 3");
const rm = await a.command({ op: "ask", action: "received", to: "manager@b", data: { tag: "m8" } });
const mGot: number[] = Object.values(rm.ok as Record<string, number[]>).flat();
const mSet = new Set(mGot);
const mMissing = tm.countedList.filter((n: number) => !mSet.has(n));
let mReported = 0;
for (const l of a.errors()) {
  if (!/to the manager of host "b"|to host "b"/.test(l.error.message)) continue;
  const m = /^(\d+) messages/.exec(l.error.message);
  mReported += m ? Number(m[1]) : 1;
}
console.log(
  "m8 counted",
  tm.counted,
  "refused",
  tm.refused.length,
  "got",
  mSet.size,
  "missing",
  mMissing.length,
  "reported",
  mReported,
  "outOfOrder",
  mGot.filter((n, i) => i > 0 && n < mGot[i - 1]).length,
);
check(mMissing.length <= mReported, "m8: counted = got + reported");
console.log("steady w0", JSON.stringify(s0));
console.log("steady w2", JSON.stringify(s2));
check(
  !JSON.stringify(s0.outcomes).includes("Timeout") &&
    !JSON.stringify(s2.outcomes).includes("Timeout"),
  "no request timed out",
);
for (const h of [a, b]) {
  console.log(h.name, "errors:");
  for (const l of h.errors()) console.log("  ", JSON.stringify(l.error).slice(0, 400));
  console.log(
    h.name,
    "host events",
    JSON.stringify(h.events().filter((l) => l.event.type.startsWith("host")).map((l) => l.event)),
  );
}
check(a.events("hostLeft").length === 0 && b.events("hostLeft").length === 0, "nobody dropped");
const sa = await a.command({ op: "stats" });
const sb = await b.command({ op: "stats" });
console.log("hosts seen by a", JSON.stringify(sa.hosts), "by b", JSON.stringify(sb.hosts));
const again = await a.command({ op: "ask", action: "echo", to: 1, data: "fine" });
check(again.ok?.data === "fine", "a still reaches worker 1", again);
await a.stop();
await b.stop();
await nats.stop();
