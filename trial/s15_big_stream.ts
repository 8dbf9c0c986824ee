// deno-lint-ignore-file -- trial scripts, run by hand
/** Scenario 15: a worker of host b streams large parts to host a's manager (default window, 8 MiB). */
import { check, cluster, Host, Nats } from "./lib.ts";

const nats = await Nats.start();
const name = cluster();
const b = new Host("b", { servers: nats.url, cluster: name, workers: 2 });
await b.ready;
const a = new Host("a", { servers: nats.url, cluster: name, workers: 2 });
await a.ready;
for (
  const [count, size, slow] of [[20, 100_000, 0], [20, 600_000, 0], [40, 900_000, 0], [
    40,
    900_000,
    20,
  ]]
) {
  const r = await a.command({ op: "bigStream", to: 0, count, size, slow }, 120_000);
  console.log(
    `${count} parts of ${size} B (consumer pause ${slow} ms):`,
    JSON.stringify(r).slice(0, 500),
  );
  check(r.parts === count && !r.error, `stream of ${count} × ${size} B whole`);
}
for (const h of [a, b]) {
  for (const l of h.errors().slice(0, 6)) {
    console.log(h.name, "error", JSON.stringify(l.error).slice(0, 300));
  }
}
await a.stop();
await b.stop();
await nats.stop();
