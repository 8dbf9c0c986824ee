// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 13: streamed requests from host a to host b's workers through SIGHUP of b, kill -9 of a worker, a NATS restart. */
import { check, cluster, Host, Nats } from "./lib.ts";

const op = Deno.args[0] ?? "hup";
const nats = await Nats.start();
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
const bReady = await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
await a.ready;
const s0 = a.command({ op: "streams", name: "s0", to: 0, count: 30, concurrency: 3 }, 120_000);
const sAny = a.command(
  { op: "streams", name: "sAny", to: "ANY", count: 30, concurrency: 3 },
  120_000,
);
await new Promise((r) => setTimeout(r, 700));
const mark = b.lines.length;
if (op === "hup") {
  b.signal("SIGHUP");
  await b.waitLine(
    (l) => l.event?.type === "ready" && l.event.address === 1,
    20_000,
    "reload done",
    mark,
  );
} else if (op === "kill") {
  Deno.kill(bReady.ready.pids["0"], "SIGKILL");
  await b.waitLine(
    (l) => l.event?.type === "ready" && l.event.address === 0,
    20_000,
    "0 back",
    mark,
  );
} else if (op === "nats") {
  await nats.kill();
  await new Promise((r) => setTimeout(r, 1500));
  await nats.restart();
}
await new Promise((r) => setTimeout(r, 1500));
await a.command({ op: "stopSteady", name: "s0" });
await a.command({ op: "stopSteady", name: "sAny" });
const [r0, rAny] = await Promise.all([s0, sAny]);
console.log(op, "streams to 0", JSON.stringify(r0).slice(0, 1200));
console.log(op, "streams to ANY", JSON.stringify(rAny).slice(0, 1200));
check(
  !JSON.stringify([r0.outcomes, rAny.outcomes]).includes("gap"),
  `${op}: no stream ended with a gap`,
);
if (op === "hup") {
  check(
    Object.keys(r0.outcomes).length === 1 && Object.keys(rAny.outcomes).length === 1,
    "hup: every stream whole",
  );
}
for (const h of [a, b]) {
  for (const l of h.errors().slice(0, 6)) {
    console.log(h.name, "error", JSON.stringify(l.error).slice(0, 300));
  }
}
await a.stop();
await b.stop();
await nats.stop();
