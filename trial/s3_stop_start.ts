// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 3: SIGTERM host b under traffic from a, then start it again. */
import { check, cluster, Host, Nats } from "./lib.ts";

const nats = await Nats.start();
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
await a.ready;

const steadyAny = a.command({ op: "steady", name: "any", to: "ANY", concurrency: 4 }, 120_000);
const steady0 = a.command({ op: "steady", name: "w0", to: 0, concurrency: 2, pause: 20 }, 120_000);
const steadyMb = a.command(
  { op: "steady", name: "mb", to: "manager@b", concurrency: 2, pause: 20 },
  120_000,
);
const ticks = a.command({ op: "ticks", to: 0, n: 4000, tag: "log4", per: 5, pause: 3 }, 120_000);
const bcast = a.command({ op: "ticks", n: 1000, tag: "log5", per: 5, pause: 5 }, 120_000);
await new Promise((r) => setTimeout(r, 700));
const markA = a.lines.length;
const t0 = Date.now();
const status = await b.stop();
console.log("b stopped", status, Date.now() - t0, "ms");
const left = await a.waitLine((l) => l.event?.type === "hostLeft", 10_000, "hostLeft b", markA);
console.log("hostLeft", JSON.stringify(left.event));
const t = await ticks;
const bc = await bcast;
await new Promise((r) => setTimeout(r, 500));
const handled = new Set(b.lines.filter((l) => l.handled?.tag === "log4").map((l) => l.handled.n));
const missing = t.countedList.filter((n: number) => !handled.has(n));
const reports = a.errors().filter((l) => l.lines !== 0);
let reported = 0;
for (const l of a.errors()) {
  const m = /^(\d+) messages/.exec(l.error.message);
  reported += m ? Number(m[1]) : /^A message/.test(l.error.message) ? 1 : 0;
}
console.log(
  "ticks counted",
  t.counted,
  "refused at sender",
  t.refused.length,
  "handled",
  handled.size,
  "missing",
  missing.length,
);
console.log("bcast counted", bc.counted);
for (const l of a.errors().slice(0, 20)) console.log("a error", JSON.stringify(l.error));
console.log("a errors total", a.errors().length);
check(missing.length <= reported, "every counted tick to 0 handled or reported", {
  missing: missing.length,
  reported,
});

// Start b again.
const markA2 = a.lines.length;
b.start();
const again = await b.ready;
console.log("b again", JSON.stringify(again.ready));
const joined = await a.waitLine(
  (l) => l.event?.type === "hostJoined",
  10_000,
  "hostJoined b",
  markA2,
);
console.log("hostJoined", JSON.stringify(joined.event));
const r0 = await a.command({ op: "ask", action: "echo", to: 0, data: "again" });
check(r0.ok?.data === "again", "worker 0 answers again from a", r0);
const rm = await a.command({ op: "ask", action: "echo", to: "manager@b", data: "again" });
check(rm.ok?.data === "again", "b's manager answers again", rm);
for (const n of ["any", "w0", "mb"]) await a.command({ op: "stopSteady", name: n });
const [any, w0, mb] = await Promise.all([steadyAny, steady0, steadyMb]);
console.log("ANY", JSON.stringify(any));
console.log("w0", JSON.stringify(w0));
console.log("manager@b", JSON.stringify(mb));
check(Object.keys(any.outcomes).length === 1, "no ANY request failed", any.outcomes);
const stats = await a.command({ op: "stats" });
console.log("hosts", JSON.stringify(stats.hosts));
check(
  a.events("hostLeft").length === 1 && a.events("hostJoined").length === 1,
  "one hostLeft, one hostJoined",
  a.events().filter((l) => l.event.type.startsWith("host")).map((l) => l.event),
);
console.log(
  "a events after stop",
  JSON.stringify(a.lines.slice(markA).filter((l) => l.event).map((l) => l.event)).slice(0, 1500),
);
await a.stop();
await b.stop();
await nats.stop();
