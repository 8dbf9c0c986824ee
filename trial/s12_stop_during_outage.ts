// deno-lint-ignore-file -- trial scripts, run by hand
/**
 * Scenario 12: the nats-server dies; host b is stopped (SIGTERM) while it is away;
 * the server comes back: a must see b leave, and reach b again once b is started anew.
 * Also: a host started while no server answers.
 */
import { check, cluster, Host, Nats } from "./lib.ts";

const nats = await Nats.start();
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
await a.ready;
const ticks = a.command({ op: "ticks", to: 0, n: 3000, tag: "log16", per: 5, pause: 3 }, 120_000);
await new Promise((r) => setTimeout(r, 500));
await nats.kill();
console.log("nats killed");
await new Promise((r) => setTimeout(r, 300));
let t0 = Date.now();
const status = await b.stop();
console.log("b stopped during the outage in", Date.now() - t0, "ms, code", status.code);
// A host that starts while no server answers.
const c = new Host("c", { servers: nats.url, cluster: name, workers: 1 });
c.ready.catch(() => {});
const cEnd = await c.ended;
console.log(
  "c (started with no server) ended",
  cEnd.code,
  c.stderr.split("\n").find((l) => /error/i.test(l)),
);
const markA = a.lines.length;
await nats.restart();
console.log("nats restarted");
t0 = Date.now();
const left = await a.waitLine((l) => l.event?.type === "hostLeft", 15_000, "a sees b leave", markA)
  .catch((e) => e);
console.log(
  "hostLeft after restart:",
  Date.now() - t0,
  "ms",
  JSON.stringify(left.event ?? String(left)),
);
const t = await ticks;
await new Promise((r) => setTimeout(r, 1000));
const handled = new Set(b.lines.filter((l) => l.handled?.tag === "log16").map((l) => l.handled.n));
const missing = t.countedList.filter((n: number) => !handled.has(n));
let reported = 0;
for (const l of a.errors()) {
  if (!/to worker 0/.test(l.error.message)) continue;
  const m = /^(\d+) messages/.exec(l.error.message);
  reported += m ? Number(m[1]) : 1;
}
console.log(
  "counted",
  t.counted,
  "handled",
  handled.size,
  "missing",
  missing.length,
  "reported",
  reported,
);
check(missing.length <= reported, "counted = handled + reported");
for (const l of a.errors()) console.log("a error", JSON.stringify(l.error).slice(0, 300));
for (const l of b.errors()) console.log("b error", JSON.stringify(l.error).slice(0, 300));
const markA2 = a.lines.length;
b.start();
await b.ready;
await a.waitLine((l) => l.event?.type === "hostJoined", 15_000, "a sees b join", markA2);
const r0 = await a.command({ op: "ask", action: "echo", to: 0, data: "back" });
check(r0.ok?.data === "back", "b's worker 0 answers a again", r0);
await a.stop();
await b.stop();
await nats.stop();
