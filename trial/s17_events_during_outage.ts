// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 17: worker 0 of host b killed, and b reloaded, while the nats-server is down: what a hears after. */
import { check, cluster, Host, Nats } from "./lib.ts";

const nats = await Nats.start();
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
const bReady = await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
await a.ready;
const markA = a.lines.length;
await nats.kill();
let mark = b.lines.length;
Deno.kill(bReady.ready.pids["0"], "SIGKILL");
await b.waitLine((l) => l.event?.type === "ready" && l.event.address === 0, 20_000, "0 back", mark);
mark = b.lines.length;
b.signal("SIGHUP");
await b.waitLine(
  (l) => l.event?.type === "ready" && l.event.address === 1,
  20_000,
  "reload done",
  mark,
);
await nats.restart();
for (let i = 0;; i++) {
  const r = await a.command({ op: "ask", action: "echo", to: 0, data: i, timeout: 1000 });
  if (r.ok) {
    console.log("a reaches 0 again:", JSON.stringify(r.ok));
    break;
  }
  await new Promise((r) => setTimeout(r, 200));
}
await new Promise((r) => setTimeout(r, 2000));
const seen = a.lines.slice(markA).filter((l) => l.event).map((
  l,
) => [l.event.type, l.event.address]);
console.log("a heard after the outage:", JSON.stringify(seen));
check(seen.length > 0, "a heard of b's changes made during the outage", seen);
const stats = await a.command({ op: "stats" });
console.log("a's hosts:", JSON.stringify(stats.hosts));
for (const h of [a, b]) {
  for (const l of h.errors().slice(0, 6)) {
    console.log(h.name, "error", JSON.stringify(l.error).slice(0, 300));
  }
}
await a.stop();
await b.stop();
await nats.stop();
