// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 6: messages over NATS max_payload, from a manager and from a worker. */
import { check, cluster, Host, Nats } from "./lib.ts";

const nats = await Nats.start();
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
await a.ready;
const MiB = 1 << 20;
const r = async (what: string, cmd: Record<string, unknown>) => {
  const out = await a.command(cmd);
  console.log(what, JSON.stringify(out).slice(0, 700));
  return out;
};
const m1 = await r("manager send 1.5MiB to 0:", {
  op: "send",
  action: "big",
  to: 0,
  bytes: 1.5 * MiB,
});
check(
  m1.error?.name === "FrameError" && /max_payload/.test(m1.error.message),
  "manager send over max_payload: FrameError naming the limit",
);
const m2 = await r("manager request 1.5MiB to 0:", {
  op: "askBytes",
  action: "big",
  to: 0,
  bytes: 1.5 * MiB,
});
check(m2.error?.name === "FrameError", "manager request over max_payload: FrameError");
const m3 = await r("manager broadcast 1.5MiB:", { op: "send", action: "big", bytes: 1.5 * MiB });
const m3b = await r("manager request 1.5MiB to ANY:", {
  op: "askBytes",
  action: "big",
  to: "ANY",
  bytes: 1.5 * MiB,
});
const m4 = await r("manager send just under 1MiB:", {
  op: "send",
  action: "big",
  to: 0,
  bytes: MiB - 2000,
});
const m5 = await r("worker 2 send 1.5MiB to 0:", {
  op: "ask",
  action: "doSend",
  to: 2,
  data: { action: "big", to: 0, bytes: 1.5 * MiB },
});
check(m5.ok?.error?.name === "FrameError", "worker send over max_payload: FrameError at once", m5);
const m6 = await r("worker 2 request 1.5MiB to 0:", {
  op: "ask",
  action: "doAsk",
  to: 2,
  data: { action: "big", to: 0, bytes: 1.5 * MiB },
});
check(m6.ok?.error?.name === "FrameError", "worker request over max_payload: FrameError", m6);
const m7 = await r("manager asks 0 for a 1.5MiB answer:", {
  op: "ask",
  action: "bigAnswer",
  to: 0,
  data: { bytes: 1.5 * MiB },
});
check(m7.error !== undefined, "answer over max_payload fails the request", m7);
const m8 = await r("worker 2 asks 0 for a 1.5MiB answer:", {
  op: "ask",
  action: "doAsk",
  to: 2,
  data: { action: "bigAnswer", to: 0, payload: { bytes: 1.5 * MiB } },
});
check(m8.ok?.error !== undefined, "answer over max_payload fails the worker's request", m8);
const m9 = await r("worker 0 (b) sends 1.5 MiB to 2:", {
  op: "ask",
  action: "doSend",
  to: 0,
  data: { action: "big", to: 2, bytes: 1.5 * MiB },
});
const e0 = await r("worker 0 errors:", { op: "ask", action: "errors", to: 0, data: null });
const e2 = await r("worker 2 errors:", { op: "ask", action: "errors", to: 2, data: null });
const ok = await r("echo after:", { op: "ask", action: "echo", to: 0, data: "still" });
check(ok.ok?.data === "still", "worker 0 still reachable");
await new Promise((r) => setTimeout(r, 500));
for (const h of [a, b]) {
  for (const l of h.errors()) console.log(h.name, "error", JSON.stringify(l.error).slice(0, 500));
}
await a.stop();
await b.stop();
await nats.stop();
