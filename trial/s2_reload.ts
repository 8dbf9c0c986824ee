// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 2: SIGHUP each host in turn under steady cross-host requests and ticks. */
import { check, cluster, Host, Nats } from "./lib.ts";

const nats = await Nats.start();
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
await a.ready;

const steady = [
  a.command({ op: "steady", name: "a0", to: 0, concurrency: 3 }, 120_000),
  a.command({ op: "steady", name: "a1", to: 1, concurrency: 3 }, 120_000),
  a.command({ op: "steady", name: "aAny", to: "ANY", concurrency: 3 }, 120_000),
  b.command({ op: "steady", name: "b2", to: 2, concurrency: 3 }, 120_000),
  b.command({ op: "steady", name: "b3", to: 3, concurrency: 3 }, 120_000),
];
const ticksA = a.command({ op: "ticks", to: 0, n: 6000, tag: "log2", per: 5, pause: 3 }, 120_000);
const ticksB = b.command({ op: "ticks", to: 3, n: 6000, tag: "log3", per: 5, pause: 3 }, 120_000);
await new Promise((r) => setTimeout(r, 500));
let mark = b.lines.length;
b.signal("SIGHUP");
for (const w of [0, 1]) {
  await b.waitLine(
    (l) => l.event?.type === "ready" && l.event.address === w,
    30_000,
    `b: ${w} ready after reload`,
    mark,
  );
}
console.log("b reloaded");
mark = a.lines.length;
a.signal("SIGHUP");
for (const w of [2, 3]) {
  await a.waitLine(
    (l) => l.event?.type === "ready" && l.event.address === w,
    30_000,
    `a: ${w} ready after reload`,
    mark,
  );
}
console.log("a reloaded");
await new Promise((r) => setTimeout(r, 500));
for (const n of ["a0", "a1", "aAny"]) await a.command({ op: "stopSteady", name: n });
for (const n of ["b2", "b3"]) await b.command({ op: "stopSteady", name: n });
const results = await Promise.all(steady);
const [ta, tb] = await Promise.all([ticksA, ticksB]);
await new Promise((r) => setTimeout(r, 1000));
for (const [i, r] of results.entries()) {
  check(Object.keys(r.outcomes).length === 1 && r.outcomes.ok > 0, `steady ${i} all ok`, r);
}
const handledA = new Set(b.lines.filter((l) => l.handled?.tag === "log2").map((l) => l.handled.n));
const handledB = new Set(a.lines.filter((l) => l.handled?.tag === "log3").map((l) => l.handled.n));
check(ta.counted === 6000 && handledA.size === 6000, "a→0 ticks all handled", {
  counted: ta.counted,
  handled: handledA.size,
  refused: ta.refused.slice(0, 2),
});
check(tb.counted === 6000 && handledB.size === 6000, "b→3 ticks all handled", {
  counted: tb.counted,
  handled: handledB.size,
  refused: tb.refused.slice(0, 2),
});
// Order per sender→receiver pair, and within each process.
for (const [h, tag] of [[b, "log2"], [a, "log3"]] as const) {
  const seq = h.lines.filter((l) => l.handled?.tag === tag).map((l) => l.handled.n);
  const outOfOrder = seq.filter((n, i) => i > 0 && n < seq[i - 1]).length;
  check(outOfOrder === 0 && seq.length === new Set(seq).size, `${tag} in order, once`, {
    outOfOrder,
    dup: seq.length - new Set(seq).size,
  });
}
for (const [h, workers] of [[a, [0, 1, 2, 3]], [b, [0, 1, 2, 3]]] as const) {
  for (const w of workers) {
    check(h.events("reload").some((l) => l.event.address === w), `${h.name} saw reload of ${w}`);
  }
}
console.log("a errors", a.errors().map((l) => l.error.message));
console.log("b errors", b.errors().map((l) => l.error.message));
check(a.errors().length === 0 && b.errors().length === 0, "no errors reported");
await a.stop();
await b.stop();
await nats.stop();
