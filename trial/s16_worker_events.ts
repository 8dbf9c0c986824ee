// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 16: the lifecycle events a worker of host a sees as host b's worker is killed, b reloads, b stops and starts. */
import { check, cluster, Host, Nats } from "./lib.ts";

const nats = await Nats.start();
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
const bReady = await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
await a.ready;
const events = async () =>
  (await a.command({ op: "ask", action: "events", to: 2, data: null })).ok as any[];
await events();
let mark = b.lines.length;
Deno.kill(bReady.ready.pids["0"], "SIGKILL");
await b.waitLine((l) => l.event?.type === "ready" && l.event.address === 0, 20_000, "0 back", mark);
await a.command({ op: "ask", action: "echo", to: 0, data: 1 });
const e1 = await events();
console.log("kill -9:", JSON.stringify(e1.map((e) => [e.type, e.address])));
check(
  ["exit", "restart", "ready"].every((t) => e1.some((e) => e.type === t && e.address === 0)),
  "worker 2 saw exit, restart, ready of worker 0",
);
mark = b.lines.length;
b.signal("SIGHUP");
await b.waitLine(
  (l) => l.event?.type === "ready" && l.event.address === 1,
  20_000,
  "reload done",
  mark,
);
await a.command({ op: "ask", action: "echo", to: 1, data: 1 });
const e2 = await events();
console.log("SIGHUP:", JSON.stringify(e2.map((e) => [e.type, e.address])));
check(
  [0, 1].every((w) =>
    e2.some((e) => e.type === "reload" && e.address === w) &&
    e2.some((e) => e.type === "ready" && e.address === w)
  ),
  "worker 2 saw reload and ready of 0 and 1",
);
mark = a.lines.length;
await b.stop();
await a.waitLine((l) => l.event?.type === "hostLeft", 10_000, "hostLeft", mark);
const e3 = await events();
console.log("SIGTERM:", JSON.stringify(e3.map((e) => [e.type, e.address])));
check(e3.some((e) => e.type === "hostLeft" && e.host === "b"), "worker 2 saw hostLeft b");
mark = a.lines.length;
b.start();
await b.ready;
await a.waitLine((l) => l.event?.type === "hostJoined", 10_000, "hostJoined", mark);
await a.command({ op: "ask", action: "echo", to: 0, data: 1 });
const e4 = await events();
console.log("start:", JSON.stringify(e4));
check(
  e4.some((e) => e.type === "hostJoined" && e.host === "b" && e.workers?.length === 2),
  "worker 2 saw hostJoined b with its workers",
);
const ws = await a.command({
  op: "ask",
  action: "doAsk",
  to: 2,
  data: { action: "echo", to: 0, payload: "hi" },
});
check(ws.ok?.ok?.data === "hi", "worker 2 reaches worker 0 on the new b", ws);
await a.stop();
await b.stop();
await nats.stop();
