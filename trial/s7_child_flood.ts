// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 7: a worker of host a floods a slow worker of host b (small window, small queue). */
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
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2, window: 65536 });
await a.ready;
await a.command({ op: "send", action: "setBusy", to: 0, data: { ms: 1 } });
await a.command({ op: "ask", action: "echo", to: 0, data: 0 });
const sent = await a.command({
  op: "ask",
  action: "doSend",
  to: 2,
  data: { action: "tick", to: 0, n: 20000, tag: "cf" },
});
console.log("worker 2 sent", JSON.stringify(sent));
for (let i = 0;; i++) {
  const e = await a.command({ op: "ask", action: "echo", to: 0, data: 1 });
  if (e.ok) break;
  await new Promise((r) => setTimeout(r, 200));
}
await a.command({ op: "send", action: "setBusy", to: 0, data: { ms: 0 } });
await new Promise((r) => setTimeout(r, 500));
const got = await a.command({ op: "ask", action: "received", to: 0, data: { tag: "cf" } });
const list: number[] = Object.values(got.ok as Record<string, number[]>).flat();
const errs = await a.command({ op: "ask", action: "errors", to: 2, data: null });
const kinds: Record<string, number> = {};
for (const e of errs.ok) {
  kinds[e.message.replace(/\d+/g, "N")] = (kinds[e.message.replace(/\d+/g, "N")] ?? 0) + 1;
}
console.log("kinds", JSON.stringify(kinds));
let reported = 0;
for (const e of errs.ok) {
  const m = /^(\d+) messages/.exec(e.message);
  reported += m ? Number(m[1]) : /^(A message|Message )/.test(e.message) ? 1 : 0;
}
const counted = sent.ok.counted;
console.log(
  "counted",
  counted,
  "handled",
  list.length,
  "reported to worker 2",
  reported,
  "outOfOrder",
  list.filter((n, i) => i > 0 && n < list[i - 1]).length,
);
console.log("worker 2 errors", JSON.stringify(errs.ok.slice(0, 4)));
check(counted === list.length + reported, "counted = handled + reported");
for (const h of [a, b]) {
  for (const l of h.errors().slice(0, 5)) {
    console.log(h.name, "error", JSON.stringify(l.error).slice(0, 500));
  }
}
await a.stop();
await b.stop();
await nats.stop();
