// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 5: a slow consumer on host b, flooded from host a. */
import { check, cluster, Host, Nats } from "./lib.ts";

const nats = await Nats.start();
const name = cluster();
const b = new Host("b", {
  servers: nats.url,
  cluster: name,
  workers: 2,
  maxQueuedBytes: 262144,
  maxFrameSize: 65536,
});
await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
await a.ready;
await a.command({ op: "send", action: "setBusy", to: 0, data: { ms: 1 } });
await a.command({ op: "ask", action: "echo", to: 0, data: 0 });
const pad = "x".repeat(1000);
const ticks = a.command({ op: "ticks", to: 0, n: 20000, tag: "slow", per: 500, pause: 1 }, 120_000);
await new Promise((r) => setTimeout(r, 300));
const reqs = a.command({ op: "requests", to: 0, n: 50, concurrency: 5, timeout: 60000 }, 120_000);
const reqsAny = a.command(
  { op: "requests", to: "ANY", n: 200, concurrency: 5, timeout: 60000 },
  120_000,
);
const t = await ticks;
const r = await reqs;
const ra = await reqsAny;
const statsB = await b.command({ op: "stats" });
console.log(
  "b connections",
  JSON.stringify(statsB.connections.map((c: any) => [c.peer ?? c.address ?? c.to, c.bytesQueued])),
);
// Wait for worker 0 to catch up.
for (let i = 0;; i++) {
  const e = await a.command(
    { op: "ask", action: "echo", to: 0, data: 1, timeout: 120_000 },
    130_000,
  );
  if (e.ok) break;
  if (i === 0) console.log("echo while backlogged:", JSON.stringify(e));
  await new Promise((r) => setTimeout(r, 200));
}
await a.command({ op: "send", action: "setBusy", to: 0, data: { ms: 0 } });
const got = await a.command({ op: "ask", action: "received", to: 0, data: { tag: "slow" } });
const handledList: number[] = Object.values(got.ok as Record<string, number[]>).flat();
const handled = new Set(handledList);
const missing = t.countedList.filter((n: number) => !handled.has(n));
let reported = 0;
for (const l of a.errors()) {
  const m = /^(\d+) messages/.exec(l.error.message);
  reported += m ? Number(m[1]) : /^A message/.test(l.error.message) ? 1 : 0;
}
console.log(
  "counted",
  t.counted,
  "refused at sender",
  t.refused.length,
  t.refused[0] && JSON.stringify(t.refused[0]),
  "handled",
  handled.size,
  "missing",
  missing.length,
  "reported",
  reported,
);
check(missing.length === reported, "counted = handled + reported", {
  missing: missing.length,
  reported,
});
console.log("requests to 0", JSON.stringify(r));
console.log("requests to ANY", JSON.stringify(ra.outcomes));
check(Object.keys(ra.outcomes).length === 1, "ANY requests all ok");
for (const l of a.errors().slice(0, 5)) console.log("a error", JSON.stringify(l.error));
console.log("a errors", a.errors().length);
for (const l of b.errors()) console.log("b error", JSON.stringify(l.error));
await a.stop();
await b.stop();
await nats.stop();
