// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 11: a server with max_payload 16 KiB: large, near-limit and many small messages. */
import { check, cluster, Host, Nats } from "./lib.ts";

const nats = await Nats.start("max_payload: 16384\n");
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
await a.ready;
const r = async (what: string, cmd: Record<string, unknown>) => {
  const out = await a.command(cmd);
  console.log(what, JSON.stringify(out).slice(0, 500));
  return out;
};
await r("20 KB to 0:", { op: "send", action: "big", to: 0, bytes: 20_000 });
for (const size of [15_000, 16_000, 16_200, 16_300]) {
  await r(`${size} B to 0:`, { op: "askBytes", action: "big", to: 0, bytes: size });
}
await r("worker 2 sends 16200 to 0:", {
  op: "ask",
  action: "doAsk",
  to: 2,
  data: { action: "big", to: 0, bytes: 16_200 },
});
await r("worker 2 asks 0 for 16200:", {
  op: "ask",
  action: "doAsk",
  to: 2,
  data: { action: "bigAnswer", to: 0, payload: { bytes: 16_200 } },
});
await r("manager asks 0 for 16200:", {
  op: "ask",
  action: "bigAnswer",
  to: 0,
  data: { bytes: 16_200 },
});
const t = await r("5000 ticks to 0:", { op: "ticks", to: 0, n: 5000, tag: "log14", per: 1000 });
const w = await r("worker 2 sends 5000 ticks to 1:", {
  op: "ask",
  action: "doSend",
  to: 2,
  data: { action: "tick", to: 1, n: 5000, tag: "log15" },
});
await a.command({ op: "ask", action: "echo", to: 0, data: 1 });
await a.command({ op: "ask", action: "echo", to: 1, data: 1 });
await new Promise((r) => setTimeout(r, 500));
const h14 = new Set(b.lines.filter((l) => l.handled?.tag === "log14").map((l) => l.handled.n));
const h15 = new Set(b.lines.filter((l) => l.handled?.tag === "log15").map((l) => l.handled.n));
check(h14.size === t.counted, "manager's ticks all handled", {
  counted: t.counted,
  handled: h14.size,
});
check(h15.size === w.ok.counted, "worker's ticks all handled", {
  counted: w.ok.counted,
  handled: h15.size,
});
for (const h of [a, b]) {
  for (const l of h.errors().slice(0, 6)) {
    console.log(h.name, "error", JSON.stringify(l.error).slice(0, 400));
  }
}
await a.stop();
await b.stop();
await nats.stop();
