// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 10: kill -9 host b's manager under traffic from a, start it again at once. */
import { check, cluster, Host, Nats } from "./lib.ts";

const nats = await Nats.start();
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
await a.ready;
const w2 = a.command({
  op: "ask",
  action: "doSteady",
  to: 2,
  data: { name: "s", to: 0, ticksTo: 0, tag: "log12", concurrency: 3 },
  timeout: 120_000,
}, 130_000);
const mAny = a.command(
  { op: "steady", name: "any", to: "ANY", concurrency: 3, timeout: 20_000 },
  120_000,
);
const m1 = a.command({
  op: "steady",
  name: "m1",
  to: 1,
  concurrency: 2,
  pause: 10,
  timeout: 20_000,
}, 120_000);
const ticks = a.command({ op: "ticks", to: 1, n: 3000, tag: "log13", per: 5, pause: 3 }, 120_000);
await new Promise((r) => setTimeout(r, 700));
const markA = a.lines.length;
const t0 = Date.now();
b.signal("SIGKILL");
await b.ended;
b.start();
const again = await b.ready;
console.log("b back after", Date.now() - t0, "ms", JSON.stringify(again.ready));
const left = await a.waitLine((l) => l.event?.type === "hostLeft", 10_000, "hostLeft", markA);
const joined = await a.waitLine((l) => l.event?.type === "hostJoined", 10_000, "hostJoined", markA);
console.log("hostLeft at", left.t, "hostJoined at", joined.t, JSON.stringify(joined.event));
await new Promise((r) => setTimeout(r, 1000));
await a.command({ op: "send", action: "stopSteady", data: { name: "s" } });
for (const n of ["any", "m1"]) await a.command({ op: "stopSteady", name: n });
const [s2, any, r1, t] = await Promise.all([w2, mAny, m1, ticks]);
await new Promise((r) => setTimeout(r, 1000));
console.log("worker 2 → 0", JSON.stringify(s2.ok?.outcomes));
console.log("manager → ANY", JSON.stringify(any.outcomes));
console.log("manager → 1", JSON.stringify(r1.outcomes));
check(
  !JSON.stringify([s2.ok?.outcomes, any.outcomes, r1.outcomes]).includes("Timeout"),
  "no request timed out",
);
for (
  const [tag, counted, errors] of [
    [
      "log12",
      s2.ok.countedList,
      (await a.command({ op: "ask", action: "errors", to: 2, data: null })).ok.map((e: any) =>
        e.message
      ),
    ],
    [
      "log13",
      t.countedList,
      a.errors().map((l) => l.error.message).filter((m) => /to worker 1/.test(m)),
    ],
  ] as const
) {
  const handled = new Set(b.lines.filter((l) => l.handled?.tag === tag).map((l) => l.handled.n));
  const missing = counted.filter((n: number) => !handled.has(n));
  let reported = 0;
  for (const m of errors) {
    const x = /^(\d+) messages/.exec(m);
    reported += x ? Number(x[1]) : /^(A message|Message )/.test(m) ? 1 : 0;
  }
  console.log(
    tag,
    "counted",
    counted.length,
    "handled",
    handled.size,
    "missing",
    missing.length,
    "reported",
    reported,
  );
  for (const m of errors.slice(0, 6)) console.log("   ", m);
  check(missing.length <= reported, `${tag}: counted = handled + reported`);
}
console.log("a events", JSON.stringify(a.events().map((l) => [l.event.type, l.event.address])));
await a.stop();
await b.stop();
await nats.stop();
