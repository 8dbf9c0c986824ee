// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 1: kill -9 worker 0 on host b while host a sends to it and requests from it. */
import { check, cluster, Host, Nats } from "./lib.ts";

const nats = await Nats.start();
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
const bReady = await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
const aReady = await a.ready;
console.log("b", bReady.ready, "a", aReady.ready);
const pid0 = bReady.ready.pids["0"];

const ticks = a.command({ op: "ticks", to: 0, n: 20000, tag: "log1", per: 50, pause: 1 }, 120_000);
const reqs = a.command({ op: "requests", to: 0, n: 3000, concurrency: 5, timeout: 5000 }, 120_000);
// Kill once worker 0 has handled some.
await b.waitLine((l) => l.handled?.n === 3000, 30_000, "worker 0 handled 3000");
const mark = b.lines.length;
Deno.kill(pid0, "SIGKILL");
console.log("killed worker 0", pid0);
const t = await ticks;
const r = await reqs;
await b.waitLine(
  (l) => l.event?.type === "ready" && l.event?.address === 0,
  20_000,
  "worker 0 ready again",
  mark,
);
// Let reports arrive: ask round trip to b's manager after.
await a.command({ op: "ask", action: "echo", to: "manager@b", data: 1 });
await new Promise((r) => setTimeout(r, 2000));
const handled = new Set(b.lines.filter((l) => l.handled?.tag === "log1").map((l) => l.handled.n));
const counted: number[] = t.countedList;
const missing = counted.filter((n) => !handled.has(n));
const reports = a.errors().filter((l) => /tick|messages? from/.test(l.error.message));
const reported = reports.reduce(
  (s, l) => s + (l.error.count ?? (Number(/^(\d+) messages/.exec(l.error.message)?.[1]) || 1)),
  0,
);
console.log(
  "counted",
  counted.length,
  "refused at sender",
  t.refused.length,
  "handled",
  handled.size,
  "missing",
  missing.length,
  "reported",
  reported,
);
console.log("refused sample", JSON.stringify(t.refused.slice(0, 2)));
for (const l of a.errors()) console.log("a error", JSON.stringify(l.error));
for (const l of b.errors()) console.log("b error", JSON.stringify(l.error));
console.log("requests", JSON.stringify(r));
check(missing.length <= reported, "every counted tick handled or reported", {
  missing: missing.length,
  reported,
});
check(
  !Object.keys(r.outcomes).some((k) => k.startsWith("TimeoutError")),
  "no request timed out",
  r.outcomes,
);
check(a.events("exit").some((l) => l.event.address === 0), "a saw worker 0 exit");
check(a.events("restart").some((l) => l.event.address === 0), "a saw worker 0 restart");
check(a.events("ready").some((l) => l.event.address === 0), "a saw worker 0 ready");
const dup = b.lines.filter((l) => l.handled?.tag === "log1").length - handled.size;
check(dup === 0, "no tick handled twice", dup);
await a.stop();
await b.stop();
await nats.stop();
