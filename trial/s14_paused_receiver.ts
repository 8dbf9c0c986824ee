// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 14: host b's manager paused (SIGSTOP) for a second while a floods worker 0 with drain(). */
import { check, cluster, Host, Nats } from "./lib.ts";

const nats = await Nats.start();
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2, window: 1 << 20 });
await a.ready;
const paced = a.command({ op: "paced", to: 0, n: 20000, size: 1000, tag: "c17" }, 120_000);
await new Promise((r) => setTimeout(r, 300));
b.signal("SIGSTOP");
const stats = await a.command({ op: "stats" });
console.log(
  "a connections while b is paused",
  JSON.stringify(
    stats.connections.filter((c: any) =>
      typeof c.peer === "string" && c.peer.includes("@") || c.host
    ),
  ).slice(0, 400),
);
await new Promise((r) => setTimeout(r, 1000));
b.signal("SIGCONT");
const p = await paced;
console.log("paced", JSON.stringify(p));
await a.command({ op: "ask", action: "echo", to: 0, data: 1 });
const got = await a.command({ op: "ask", action: "received", to: 0, data: { tag: "c17" } });
if (!got.ok) console.log("received failed", JSON.stringify(got));
const list: number[] = Object.values(got.ok as Record<string, number[]>).flat();
check(
  list.length === p.counted && list.every((n, i) => n === i),
  "every tick delivered, in order",
  { got: list.length, counted: p.counted },
);
check(p.full > 0, "the window filled (QueueFullError seen)", p.full);
for (const h of [a, b]) {
  for (const l of h.errors().slice(0, 6)) {
    console.log(h.name, "error", JSON.stringify(l.error).slice(0, 300));
  }
}
console.log(
  "host events",
  JSON.stringify(
    [...a.events(), ...b.events()].map((l) => [l.host, l.event.type, l.event.address]),
  ),
);
await a.stop();
await b.stop();
await nats.stop();
