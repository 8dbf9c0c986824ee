// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 9: SIGTERM host b (workers with 1.5 s of stop work) under traffic from a's manager and workers. */
import { check, cluster, Host, Nats } from "./lib.ts";

const nats = await Nats.start();
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
await a.ready;
await a.command({ op: "send", action: "setStopWork", to: 0, data: { ms: 1500 } });
await a.command({ op: "send", action: "setStopWork", to: 1, data: { ms: 1500 } });
const w2 = a.command({
  op: "ask",
  action: "doSteady",
  to: 2,
  data: { name: "s", to: 0, ticksTo: 0, tag: "log10", concurrency: 3 },
  timeout: 120_000,
}, 130_000);
const w3 = a.command({
  op: "ask",
  action: "doSteady",
  to: 3,
  data: { name: "t", to: "ANY", concurrency: 3 },
  timeout: 120_000,
}, 130_000);
const mAny = a.command({ op: "steady", name: "any", to: "ANY", concurrency: 3 }, 120_000);
const mB = a.command(
  { op: "steady", name: "mb", to: "manager@b", concurrency: 2, pause: 10 },
  120_000,
);
const m1 = a.command({ op: "steady", name: "m1", to: 1, concurrency: 2, pause: 10 }, 120_000);
const ticks = a.command({ op: "ticks", to: 1, n: 3000, tag: "log11", per: 5, pause: 3 }, 120_000);
await new Promise((r) => setTimeout(r, 700));
const t0 = Date.now();
const status = await b.stop();
console.log("b stopped", status.code, Date.now() - t0, "ms");
await new Promise((r) => setTimeout(r, 500));
await a.command({ op: "send", action: "stopSteady", data: { name: "s" } });
await a.command({ op: "send", action: "stopSteady", data: { name: "t" } });
for (const n of ["any", "mb", "m1"]) await a.command({ op: "stopSteady", name: n });
const [s2, s3, any, mb, r1, t] = await Promise.all([w2, w3, mAny, mB, m1, ticks]);
await new Promise((r) => setTimeout(r, 1000));
const show = (what: string, r: any) => console.log(what, JSON.stringify(r).slice(0, 1200));
show("worker 2 → 0:", s2.ok?.outcomes);
show("worker 2 → 0 samples:", s2.ok?.samples);
show("worker 3 → ANY:", s3.ok?.outcomes);
show("manager → ANY:", any.outcomes);
show("manager → manager@b:", mb);
show("manager → 1:", r1);
check(Object.keys(s3.ok?.outcomes ?? {}).length === 1, "worker's ANY requests all ok");
check(Object.keys(any.outcomes).length === 1, "manager's ANY requests all ok");
for (
  const [tag, counted, errors] of [
    [
      "log10",
      s2.ok.countedList,
      (await a.command({ op: "ask", action: "errors", to: 2, data: null })).ok.map((e: any) =>
        e.message
      ),
    ],
    [
      "log11",
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
for (const l of a.errors().slice(0, 10)) {
  console.log("a error", JSON.stringify(l.error).slice(0, 300));
}
console.log("a events", JSON.stringify(a.events().map((l) => [l.event.type, l.event.address])));
await a.stop();
await nats.stop();
