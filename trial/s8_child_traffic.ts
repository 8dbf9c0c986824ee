// deno-lint-ignore-file -- trial scripts, run by hand
/**
 * Scenario 8: worker 2 (host a) asks worker 0 (host b) steadily and sends it ticks, through:
 * kill -9 of worker 0, a SIGHUP of b, a SIGHUP of a, and a NATS restart.
 */
import { check, cluster, Host, Nats } from "./lib.ts";

const op = Deno.args[0] ?? "kill";
const nats = await Nats.start();
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
const bReady = await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
await a.ready;
const steady = a.command({
  op: "ask",
  action: "doSteady",
  to: 2,
  data: { name: "s", to: 0, ticksTo: 0, tag: "log9", concurrency: 3 },
  timeout: 120_000,
}, 130_000);
const steadyAny = a.command({
  op: "ask",
  action: "doSteady",
  to: 3,
  data: { name: "t", to: "ANY", concurrency: 3 },
  timeout: 120_000,
}, 130_000);
await new Promise((r) => setTimeout(r, 700));
let mark = b.lines.length;
if (op === "kill") {
  Deno.kill(bReady.ready.pids["0"], "SIGKILL");
  await b.waitLine(
    (l) => l.event?.type === "ready" && l.event.address === 0,
    20_000,
    "0 back",
    mark,
  );
} else if (op === "hupb") {
  b.signal("SIGHUP");
  await b.waitLine(
    (l) => l.event?.type === "ready" && l.event.address === 1,
    20_000,
    "reload done",
    mark,
  );
} else if (op === "hupa") {
  mark = a.lines.length;
  a.signal("SIGHUP");
  await a.waitLine(
    (l) => l.event?.type === "ready" && l.event.address === 3,
    20_000,
    "reload done",
    mark,
  );
} else if (op === "nats") {
  await nats.kill();
  await new Promise((r) => setTimeout(r, 1500));
  await nats.restart();
}
await new Promise((r) => setTimeout(r, 1500));
await a.command({ op: "send", action: "stopSteady", data: { name: "s" } });
await a.command({ op: "send", action: "stopSteady", data: { name: "t" } });
const s = await steady;
const t = await steadyAny;
await new Promise((r) => setTimeout(r, 1500));
console.log(
  op,
  "steady to 0",
  JSON.stringify({ outcomes: s.ok?.outcomes, samples: s.ok?.samples, error: s.error }),
);
console.log(
  op,
  "steady to ANY",
  JSON.stringify({ outcomes: t.ok?.outcomes, samples: t.ok?.samples, error: t.error }),
);
const handled = new Set(b.lines.filter((l) => l.handled?.tag === "log9").map((l) => l.handled.n));
const counted: number[] = s.ok?.countedList ?? [];
const missing = counted.filter((n) => !handled.has(n));
const errs = (await a.command({ op: "ask", action: "errors", to: 2, data: null })).ok ?? [];
let reported = 0;
for (const e of errs) {
  const m = /^(\d+) messages/.exec(e.message);
  reported += m ? Number(m[1]) : /^(A message|Message )/.test(e.message) ? 1 : 0;
}
console.log(
  op,
  "ticks counted",
  counted.length,
  "handled",
  handled.size,
  "missing",
  missing.length,
  "reported to worker 2",
  reported,
);
for (const e of errs.slice(0, 8)) console.log("  worker 2 error", JSON.stringify(e).slice(0, 400));
check(missing.length <= reported, `${op}: counted ticks handled or reported`);
check(!JSON.stringify(s.ok?.outcomes ?? {}).includes("Timeout"), `${op}: no request timed out`);
if (op !== "kill" && op !== "nats") {
  check(Object.keys(s.ok?.outcomes ?? {}).length === 1, `${op}: no request to 0 failed`);
}
if (op !== "nats") {
  check(Object.keys(t.ok?.outcomes ?? {}).length === 1, `${op}: no request to ANY failed`);
}
for (const h of [a, b]) {
  for (const l of h.errors().slice(0, 6)) {
    console.log(h.name, "error", JSON.stringify(l.error).slice(0, 400));
  }
}
await a.stop();
await b.stop();
await nats.stop();
